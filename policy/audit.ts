/** The audit trail and log retention: CloudTrail trails and CloudWatch log groups. */
import { mandatory } from "./define";

export const cloudtrailSecure = mandatory(
  "cloudtrail-multi-region-validated-kms",
  "CloudTrail trails are multi-region, validate log files and encrypt with a KMS key (CIS 3.1, 3.2, 3.7).",
  (type, p, report) => {
    if (type !== "aws:cloudtrail/trail:Trail") return;
    if (p.isMultiRegionTrail !== true) report("trail must set isMultiRegionTrail: true");
    if (p.enableLogFileValidation !== true) report("trail must set enableLogFileValidation: true");
    if (!p.kmsKeyId) report("trail must encrypt log files with a KMS key (kmsKeyId)");
  },
);

export const logGroupRetention = mandatory(
  "log-groups-have-retention",
  "CloudWatch log groups set a retention (never keep-forever by accident).",
  (type, p, report) => {
    if (type !== "aws:cloudwatch/logGroup:LogGroup") return;
    const days = p.retentionInDays;
    if (typeof days !== "number" || days <= 0) report("retentionInDays must be set");
  },
);
