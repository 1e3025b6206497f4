/** S3 buckets: public access blocked, TLS-only policies, default encryption, and every bucket hardened. */
import type { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { mandatory, statements, type Props } from "./define";

export const bucketPublicAccessBlocked = mandatory(
  "s3-public-access-blocked",
  "Bucket public access blocks set all four flags; no bucket ACL grants public access.",
  (type, p, report) => {
    if (type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
      for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
        if (p[k] !== true) report(`${k} must be true`);
      }
    }
    if (type === "aws:s3/bucketAcl:BucketAcl" && /public/.test(String(p.acl ?? ""))) {
      report(`bucket ACL "${p.acl}" makes the bucket public`);
    }
  },
);

export const bucketPolicyTlsOnly = mandatory(
  "s3-bucket-policy-tls-only-not-public",
  "Bucket policies deny requests without TLS and grant nothing to an anonymous principal.",
  (type, p, report) => {
    if (type !== "aws:s3/bucketPolicy:BucketPolicy") return;
    const st = statements(p.policy);
    const tls = st.some(
      (s) => s.Effect === "Deny" && JSON.stringify(s.Condition ?? {}).includes('"aws:SecureTransport":"false"'),
    );
    if (!tls) report('policy needs a Deny statement with Condition Bool aws:SecureTransport = "false"');
    for (const s of st) {
      const principal = JSON.stringify(s.Principal ?? "");
      if (s.Effect === "Allow" && (principal === '"*"' || principal.includes('"AWS":"*"'))) {
        report(`statement ${String(s.Sid ?? "")} allows an anonymous principal`);
      }
    }
  },
);

export const bucketEncrypted = mandatory(
  "s3-default-encryption",
  "Bucket encryption configurations set a default algorithm (aws:kms or AES256).",
  (type, p, report) => {
    if (type !== "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration") return;
    const rules = (p.rules as Props[] | undefined) ?? [];
    const algo = rules.map((r) => (r.applyServerSideEncryptionByDefault as Props | undefined)?.sseAlgorithm);
    if (!algo.some((a) => a === "aws:kms" || a === "AES256" || a === "aws:kms:dsse"))
      report("no default encryption algorithm");
  },
);

/** House convention: a bucket's hardening resources carry the bucket's logical name. */
export const bucketsHardened: StackValidationPolicy = {
  name: "s3-buckets-have-hardening",
  description: "Every bucket has a public access block, default encryption and a bucket policy (same logical name).",
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    const names = (type: string) => new Set(args.resources.filter((r) => r.type === type).map((r) => r.name));
    const pab = names("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    const sse = names("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
    const pol = names("aws:s3/bucketPolicy:BucketPolicy");
    for (const b of args.resources.filter((r) => r.type === "aws:s3/bucket:Bucket")) {
      if (!pab.has(b.name)) report(`bucket ${b.name} has no public access block`, b.urn);
      if (!sse.has(b.name)) report(`bucket ${b.name} has no default encryption`, b.urn);
      if (!pol.has(b.name)) report(`bucket ${b.name} has no bucket policy (TLS-only)`, b.urn);
    }
  },
};
