/** RDS: encrypted, private, backed up, with an RDS-managed master password. */
import { mandatory } from "./define";

export const databaseHardened = mandatory(
  "rds-encrypted-private-managed-password",
  "RDS instances are encrypted with a KMS key, not publicly accessible, backed up, and their master password is managed by RDS (never an input).",
  (type, p, report) => {
    if (type !== "aws:rds/instance:Instance") return;
    if (p.storageEncrypted !== true || !p.kmsKeyId) report("storageEncrypted must be true with a kmsKeyId (CMK)");
    if (p.publiclyAccessible === true) report("publiclyAccessible must be false");
    if (typeof p.backupRetentionPeriod !== "number" || p.backupRetentionPeriod < 1) {
      report("backupRetentionPeriod must be at least 1 day");
    }
    if (p.manageMasterUserPassword !== true || p.password !== undefined) {
      report("the master password must be RDS-managed (manageMasterUserPassword: true, no password input)");
    }
  },
);
