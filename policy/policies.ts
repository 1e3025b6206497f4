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
import { DEFAULT_PORTS } from "../monitoring-config/contract";

/**
 * Ports that may face 0.0.0.0/0 by default: the app's default public port (and HTTP/HTTPS for a TLS front). A stack
 * with another `appPort` passes its own list as policy config: `--policy-pack-config` with
 * `{"sg-world-ingress-only-public-ports": {"publicPorts": [8080, 80, 443]}}`.
 */
export const PUBLIC_PORTS = [DEFAULT_PORTS.app, 80, 443];
const WORLD = ["0.0.0.0/0", "::/0"];

type Props = Record<string, unknown>;

/** A mandatory policy over one resource's inputs: `check` sees its type and properties. */
function mandatory(
  name: string,
  description: string,
  check: (type: string, p: Props, report: ReportViolation, args: ResourceValidationArgs) => void,
  extra: Partial<ResourceValidationPolicy> = {},
): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    validateResource: (args, report) => check(args.type, args.props as Props, report, args),
    ...extra,
  };
}
const statements = (policyJson: unknown): Record<string, unknown>[] => {
  if (typeof policyJson !== "string") return [];
  try {
    const doc = JSON.parse(policyJson) as { Statement?: Record<string, unknown>[] | Record<string, unknown> };
    return Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  } catch {
    return [];
  }
};

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

export const logGroupRetention = mandatory(
  "log-groups-have-retention",
  "CloudWatch log groups set a retention (never keep-forever by accident).",
  (type, p, report) => {
    if (type !== "aws:cloudwatch/logGroup:LogGroup") return;
    const days = p.retentionInDays;
    if (typeof days !== "number" || days <= 0) report("retentionInDays must be set");
  },
);

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

export const securityGroupIngress = mandatory(
  "sg-world-ingress-only-public-ports",
  `Ingress from 0.0.0.0/0 or ::/0 only on the app's public ports (policy config publicPorts; default ${PUBLIC_PORTS.join(", ")}).`,
  (type, p, report, args) => {
    const configured = args.getConfig?.<{ publicPorts?: number[] }>()?.publicPorts;
    const allowed = configured && configured.length > 0 ? configured : PUBLIC_PORTS;
    const rules: Props[] = [];
    if (type === "aws:ec2/securityGroup:SecurityGroup") rules.push(...(((p.ingress as Props[]) ?? []) as Props[]));
    if (type === "aws:ec2/securityGroupRule:SecurityGroupRule" && p.type === "ingress") rules.push(p);
    if (type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") rules.push(p);
    for (const r of rules) {
      const open = portsOpenToWorld(r);
      if (!open) continue;
      const [from, to] = open;
      if (String(r.protocol ?? r.ipProtocol) === "-1" || from !== to || !allowed.includes(from)) {
        report(
          `ingress from the internet on ports ${from}-${to} (${String(r.protocol ?? r.ipProtocol)}); only ${allowed.join(", ")} may be public`,
        );
      }
    }
  },
  {
    configSchema: {
      properties: {
        publicPorts: { type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, default: PUBLIC_PORTS },
      },
    },
  },
);

export const instancesHardened = mandatory(
  "ec2-imdsv2-encrypted-volumes",
  "Instances require IMDSv2 and encrypt every volume; EBS volumes are encrypted.",
  (type, p, report) => {
    if (type === "aws:ec2/instance:Instance") {
      if ((p.metadataOptions as Props | undefined)?.httpTokens !== "required")
        report('metadataOptions.httpTokens must be "required" (IMDSv2)');
      if ((p.rootBlockDevice as Props | undefined)?.encrypted !== true)
        report("rootBlockDevice.encrypted must be true");
      for (const d of (p.ebsBlockDevices as Props[] | undefined) ?? []) {
        if (d.encrypted !== true) report(`ebsBlockDevice ${String(d.deviceName)} must be encrypted`);
      }
    }
    if (type === "aws:ebs/volume:Volume" && p.encrypted !== true) report("EBS volume must be encrypted");
  },
);

const SECRET_ASSIGNMENT =
  /\b(API_TOKEN|[A-Z_]*PASSWORD|[A-Z_]*SECRET[A-Z_]*|AWS_SECRET_ACCESS_KEY)\s*=\s*['"]?[^\s'"$]{6,}/;

export const noPlaintextSecrets = mandatory(
  "no-plaintext-secrets",
  "Secrets never sit in plain text in known fields: instance user data, remote command scripts, SSM String parameters named like secrets.",
  (type, p, report, args) => {
    const check = (field: string, value: unknown) => {
      if (typeof value === "string" && SECRET_ASSIGNMENT.test(value)) {
        report(
          `${field} assigns a secret in plain text; pass it as a Pulumi secret (command environment, SecureString)`,
        );
      }
    };
    if (type === "aws:ec2/instance:Instance" || type === "aws:ec2/launchTemplate:LaunchTemplate")
      check("userData", p.userData);
    if (type === "command:remote:Command" || type === "command:local:Command") {
      for (const f of ["create", "update", "delete"]) check(f, p[f]);
    }
    if (
      type === "aws:ssm/parameter:Parameter" &&
      /token|password|secret|key/i.test(String(p.name ?? args.name)) &&
      p.type !== "SecureString"
    ) {
      report("a secret-named SSM parameter must be a SecureString");
    }
  },
);

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
