/**
 * The CrossGuard policies of the pack, as plain objects so the tests can run them directly.
 * Resource policies look at one resource's inputs; stack policies at the whole set.
 */
import type {
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

/** Ports that may face 0.0.0.0/0: the app's public port (and HTTP/HTTPS for a TLS front). */
export const PUBLIC_PORTS = [3000, 80, 443];
const WORLD = ["0.0.0.0/0", "::/0"];

type Props = Record<string, unknown>;
const statements = (policyJson: unknown): Record<string, unknown>[] => {
  if (typeof policyJson !== "string") return [];
  try {
    const doc = JSON.parse(policyJson) as { Statement?: Record<string, unknown>[] | Record<string, unknown> };
    return Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  } catch {
    return [];
  }
};

export const cloudtrailSecure: ResourceValidationPolicy = {
  name: "cloudtrail-multi-region-validated-kms",
  description: "CloudTrail trails are multi-region, validate log files and encrypt with a KMS key (CIS 3.1, 3.2, 3.7).",
  enforcementLevel: "mandatory",
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== "aws:cloudtrail/trail:Trail") return;
    const p = args.props as Props;
    if (p.isMultiRegionTrail !== true) report("trail must set isMultiRegionTrail: true");
    if (p.enableLogFileValidation !== true) report("trail must set enableLogFileValidation: true");
    if (!p.kmsKeyId) report("trail must encrypt log files with a KMS key (kmsKeyId)");
  },
};

export const bucketPublicAccessBlocked: ResourceValidationPolicy = {
  name: "s3-public-access-blocked",
  description: "Bucket public access blocks set all four flags; no bucket ACL grants public access.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const p = args.props as Props;
    if (args.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
      for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
        if (p[k] !== true) report(`${k} must be true`);
      }
    }
    if (args.type === "aws:s3/bucketAcl:BucketAcl" && /public/.test(String(p.acl ?? ""))) {
      report(`bucket ACL "${p.acl}" makes the bucket public`);
    }
  },
};

export const bucketPolicyTlsOnly: ResourceValidationPolicy = {
  name: "s3-bucket-policy-tls-only-not-public",
  description: "Bucket policies deny requests without TLS and grant nothing to an anonymous principal.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:s3/bucketPolicy:BucketPolicy") return;
    const st = statements((args.props as Props).policy);
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
};

export const bucketEncrypted: ResourceValidationPolicy = {
  name: "s3-default-encryption",
  description: "Bucket encryption configurations set a default algorithm (aws:kms or AES256).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration") return;
    const rules = ((args.props as Props).rules as Props[] | undefined) ?? [];
    const algo = rules.map((r) => (r.applyServerSideEncryptionByDefault as Props | undefined)?.sseAlgorithm);
    if (!algo.some((a) => a === "aws:kms" || a === "AES256" || a === "aws:kms:dsse"))
      report("no default encryption algorithm");
  },
};

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

export const logGroupRetention: ResourceValidationPolicy = {
  name: "log-groups-have-retention",
  description: "CloudWatch log groups set a retention (never keep-forever by accident).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:cloudwatch/logGroup:LogGroup") return;
    const days = (args.props as Props).retentionInDays;
    if (typeof days !== "number" || days <= 0) report("retentionInDays must be set");
  },
};

function portsOpenToWorld(rule: Props): [number, number] | null {
  const cidrs = [
    ...((rule.cidrBlocks as string[] | undefined) ?? []),
    ...((rule.ipv6CidrBlocks as string[] | undefined) ?? []),
    ...(rule.cidrIpv4 ? [rule.cidrIpv4 as string] : []),
    ...(rule.cidrIpv6 ? [rule.cidrIpv6 as string] : []),
  ];
  if (!cidrs.some((c) => WORLD.includes(c))) return null;
  return [Number(rule.fromPort ?? 0), Number(rule.toPort ?? 65535)];
}

export const securityGroupIngress: ResourceValidationPolicy = {
  name: "sg-world-ingress-only-public-ports",
  description: `Ingress from 0.0.0.0/0 or ::/0 only on the app's public ports (${PUBLIC_PORTS.join(", ")}).`,
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const p = args.props as Props;
    const rules: Props[] = [];
    if (args.type === "aws:ec2/securityGroup:SecurityGroup") rules.push(...(((p.ingress as Props[]) ?? []) as Props[]));
    if (args.type === "aws:ec2/securityGroupRule:SecurityGroupRule" && p.type === "ingress") rules.push(p);
    if (args.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") rules.push(p);
    for (const r of rules) {
      const open = portsOpenToWorld(r);
      if (!open) continue;
      const [from, to] = open;
      if (String(r.protocol ?? r.ipProtocol) === "-1" || from !== to || !PUBLIC_PORTS.includes(from)) {
        report(
          `ingress from the internet on ports ${from}-${to} (${String(r.protocol ?? r.ipProtocol)}); only ${PUBLIC_PORTS.join(", ")} may be public`,
        );
      }
    }
  },
};

export const instancesHardened: ResourceValidationPolicy = {
  name: "ec2-imdsv2-encrypted-volumes",
  description: "Instances require IMDSv2 and encrypt every volume; EBS volumes are encrypted.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const p = args.props as Props;
    if (args.type === "aws:ec2/instance:Instance") {
      if ((p.metadataOptions as Props | undefined)?.httpTokens !== "required")
        report('metadataOptions.httpTokens must be "required" (IMDSv2)');
      if ((p.rootBlockDevice as Props | undefined)?.encrypted !== true)
        report("rootBlockDevice.encrypted must be true");
      for (const d of (p.ebsBlockDevices as Props[] | undefined) ?? []) {
        if (d.encrypted !== true) report(`ebsBlockDevice ${String(d.deviceName)} must be encrypted`);
      }
    }
    if (args.type === "aws:ebs/volume:Volume" && p.encrypted !== true) report("EBS volume must be encrypted");
  },
};

const SECRET_ASSIGNMENT =
  /\b(API_TOKEN|[A-Z_]*PASSWORD|[A-Z_]*SECRET[A-Z_]*|AWS_SECRET_ACCESS_KEY)\s*=\s*['"]?[^\s'"$]{6,}/;

export const noPlaintextSecrets: ResourceValidationPolicy = {
  name: "no-plaintext-secrets",
  description:
    "Secrets never sit in plain text in known fields: instance user data, remote command scripts, SSM String parameters named like secrets.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const p = args.props as Props;
    const check = (field: string, value: unknown) => {
      if (typeof value === "string" && SECRET_ASSIGNMENT.test(value)) {
        report(
          `${field} assigns a secret in plain text; pass it as a Pulumi secret (command environment, SecureString)`,
        );
      }
    };
    if (args.type === "aws:ec2/instance:Instance" || args.type === "aws:ec2/launchTemplate:LaunchTemplate")
      check("userData", p.userData);
    if (args.type === "command:remote:Command" || args.type === "command:local:Command") {
      for (const f of ["create", "update", "delete"]) check(f, p[f]);
    }
    if (
      args.type === "aws:ssm/parameter:Parameter" &&
      /token|password|secret|key/i.test(String(p.name ?? args.name)) &&
      p.type !== "SecureString"
    ) {
      report("a secret-named SSM parameter must be a SecureString");
    }
  },
};

export const resourcePolicies: ResourceValidationPolicy[] = [
  cloudtrailSecure,
  bucketPublicAccessBlocked,
  bucketPolicyTlsOnly,
  bucketEncrypted,
  logGroupRetention,
  securityGroupIngress,
  instancesHardened,
  noPlaintextSecrets,
];
export const stackPolicies: StackValidationPolicy[] = [bucketsHardened];
