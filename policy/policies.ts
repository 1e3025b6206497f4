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

/** `NAME=value` for a secret-like name and a literal value (not a `$reference`, and not an ARN naming a secret). */
const SECRET_ASSIGNMENT =
  /\b(API_TOKEN|[A-Z_]*PASSWORD|[A-Z_]*SECRET[A-Z_]*|AWS_SECRET_ACCESS_KEY)\s*=\s*['"]?(?!arn:)[^\s'"$]{6,}/;
/** Launch templates take their user data base64-encoded: decode it before looking. */
const userDataText = (v: unknown) =>
  typeof v === "string" && /^[A-Za-z0-9+/]+={0,2}$/.test(v) ? Buffer.from(v, "base64").toString("utf8") : v;

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
    if (type === "aws:ec2/instance:Instance") check("userData", p.userData);
    if (type === "aws:ec2/launchTemplate:LaunchTemplate") check("userData", userDataText(p.userData));
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

const truthy = (v: unknown) => v === true || v === "true";
const listOf = (v: unknown): Props[] => (Array.isArray(v) ? (v as Props[]) : []);

export const loadBalancerHardened = mandatory(
  "alb-hardened",
  "Application load balancers drop invalid header fields, write access logs, and an internet-facing one spans two or more subnets.",
  (type, p, report) => {
    if (type !== "aws:lb/loadBalancer:LoadBalancer" || (p.loadBalancerType ?? "application") !== "application") return;
    if (p.dropInvalidHeaderFields !== true) report("dropInvalidHeaderFields must be true");
    if ((p.accessLogs as Props | undefined)?.enabled !== true) report("accessLogs must be enabled (to an S3 bucket)");
    if (p.internal !== true && listOf(p.subnets).length < 2)
      report("an internet-facing load balancer needs 2+ subnets");
  },
);

/** TLS policies of ELB that allow only TLS 1.2 and 1.3 with forward secrecy. */
export const TLS12_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];

/** Listeners: HTTPS uses a TLS 1.2+ policy; where a load balancer speaks HTTPS, its HTTP listeners only redirect. */
export const listenersHttps: StackValidationPolicy = {
  name: "lb-listeners-https-redirect",
  description: `HTTPS listeners use a TLS 1.2+ policy (${TLS12_POLICIES.join(", ")}); in a stack with an HTTPS listener, HTTP listeners only redirect to HTTPS.`,
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    const listeners = args.resources.filter((r) => r.type === "aws:lb/listener:Listener");
    const https = listeners.filter((l) => l.props.protocol === "HTTPS");
    for (const l of https) {
      if (!TLS12_POLICIES.includes(String(l.props.sslPolicy))) {
        report(`listener ${l.name}: sslPolicy ${String(l.props.sslPolicy)} is not a TLS 1.2+ policy`, l.urn);
      }
    }
    if (https.length === 0) return;
    for (const l of listeners.filter((x) => x.props.protocol === "HTTP")) {
      const actions = listOf(l.props.defaultActions);
      const redirects =
        actions.length > 0 &&
        actions.every((a) => a.type === "redirect" && (a.redirect as Props | undefined)?.protocol === "HTTPS");
      if (!redirects) report(`listener ${l.name}: HTTP beside HTTPS must only redirect to HTTPS`, l.urn);
    }
  },
};

export const targetGroupHealthChecked = mandatory(
  "target-group-health-checked",
  "Target groups health-check an HTTP path, so a broken instance leaves rotation and gates instance refreshes.",
  (type, p, report) => {
    if (type !== "aws:lb/targetGroup:TargetGroup") return;
    const hc = p.healthCheck as Props | undefined;
    if (!hc || hc.enabled === false || typeof hc.path !== "string" || !hc.path.startsWith("/")) {
      report("healthCheck must be enabled with a path (e.g. /health)");
    }
  },
);

export const autoScalingMultiAz = mandatory(
  "asg-multi-az-elb-health",
  "Auto Scaling groups span two or more subnets and, behind a target group, replace instances the load balancer finds unhealthy.",
  (type, p, report) => {
    if (type !== "aws:autoscaling/group:Group") return;
    if (listOf(p.vpcZoneIdentifiers).length < 2) report("vpcZoneIdentifiers must list 2+ subnets (zones)");
    if (listOf(p.targetGroupArns).length > 0 && p.healthCheckType !== "ELB") {
      report('healthCheckType must be "ELB" for a group behind a target group');
    }
  },
);

export const launchTemplateHardened = mandatory(
  "launch-template-hardened",
  "Launch templates require IMDSv2, encrypt every EBS volume and give no public IP address.",
  (type, p, report) => {
    if (type !== "aws:ec2/launchTemplate:LaunchTemplate") return;
    if ((p.metadataOptions as Props | undefined)?.httpTokens !== "required") {
      report('metadataOptions.httpTokens must be "required" (IMDSv2)');
    }
    const devices = listOf(p.blockDeviceMappings).filter((d) => d.ebs);
    if (devices.length === 0) report("blockDeviceMappings must declare the (encrypted) root volume");
    for (const d of devices) {
      if (!truthy((d.ebs as Props).encrypted)) report(`block device ${String(d.deviceName)} must be encrypted`);
    }
    for (const n of listOf(p.networkInterfaces)) {
      if (truthy(n.associatePublicIpAddress)) report("networkInterfaces must not associate a public IP address");
    }
  },
);

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

/** The AWS managed rule groups every web ACL must run, and the rate rule. */
export const REQUIRED_WAF_GROUPS = [
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesAmazonIpReputationList",
];

export const webAclRules = mandatory(
  "waf-managed-rules-and-rate-limit",
  `Web ACLs run AWS's ${REQUIRED_WAF_GROUPS.join(", ")} and a rate-based rule.`,
  (type, p, report) => {
    if (type !== "aws:wafv2/webAcl:WebAcl") return;
    const statements = listOf(p.rules).map((r) => (r.statement as Props | undefined) ?? {});
    const groups = statements.map((st) => (st.managedRuleGroupStatement as Props | undefined)?.name);
    for (const g of REQUIRED_WAF_GROUPS) if (!groups.includes(g)) report(`rule group ${g} is missing`);
    if (!statements.some((st) => st.rateBasedStatement)) report("a rate-based rule is missing");
  },
);

/** A web ACL that protects nothing, or whose decisions go unrecorded, is no control. */
export const webAclAttached: StackValidationPolicy = {
  name: "waf-associated-and-logged",
  description: "Every WAFv2 web ACL is associated with a resource and has a logging configuration.",
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    const acls = args.resources.filter((r) => r.type === "aws:wafv2/webAcl:WebAcl");
    if (acls.length === 0) return;
    const has = (type: string) => args.resources.filter((r) => r.type === type).length;
    // Inputs reference the ACL by ARN, unknown until it exists: count instead (one association and one logging
    // configuration per ACL, as FrontDoor declares them).
    if (has("aws:wafv2/webAclAssociation:WebAclAssociation") < acls.length) {
      report("a web ACL is not associated with any resource", acls[0].urn);
    }
    if (has("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration") < acls.length) {
      report("a web ACL has no logging configuration", acls[0].urn);
    }
  },
};

/**
 * Security group rules are standalone resources, never inline. Upstream (terraform-provider-aws v6,
 * internal/service/ec2/vpc_security_group.go) `ingress` and `egress` are attribute-as-blocks sets: declared at
 * all (even `[]`), the set is managed whole, Read puts every rule found on the group into state, and the next
 * `up` after a refresh revokes the ones declared elsewhere (aws.vpc.SecurityGroupIngressRule/EgressRule). The
 * mix cannot be checked here reliably: a stack policy sees outputs, where `ingress`/`egress` are always present
 * (read back from AWS), so the rule is on inputs: no inline rules at all, which rules the mix out.
 */
export const securityGroupRulesStandalone = mandatory(
  "sg-rules-standalone-only",
  "Security groups declare no inline ingress or egress (not even []): every rule is an aws.vpc.SecurityGroupIngressRule or SecurityGroupEgressRule, so no group both manages its rule set and gets rules from elsewhere.",
  (type, p, report) => {
    if (type !== "aws:ec2/securityGroup:SecurityGroup") return;
    for (const direction of ["ingress", "egress"] as const) {
      if (p[direction] === undefined) continue;
      report(
        `inline ${direction} (${JSON.stringify(p[direction]).slice(0, 60)}) makes the group manage its whole ${direction} set: ` +
          `a standalone rule on it is read back at refresh and revoked by the next up; declare each rule as a standalone resource`,
      );
    }
  },
);

/** Database ports: reachable from security groups (the app's), never from address ranges. */
export const DATABASE_PORTS = [5432, 3306, 1433, 1521];

export const databasePortsFromGroupsOnly = mandatory(
  "db-ports-from-security-groups-only",
  `Ingress on database ports (${DATABASE_PORTS.join(", ")}) comes from security groups, never from CIDR ranges.`,
  (type, p, report) => {
    const rules: Props[] = [];
    if (type === "aws:ec2/securityGroup:SecurityGroup") rules.push(...listOf(p.ingress));
    if (type === "aws:ec2/securityGroupRule:SecurityGroupRule" && p.type === "ingress") rules.push(p);
    if (type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") rules.push(p);
    for (const r of rules) {
      const from = Number(r.fromPort ?? 0);
      const to = Number(r.toPort ?? 65535);
      const cidrs = [...listOf(r.cidrBlocks), ...listOf(r.ipv6CidrBlocks), r.cidrIpv4, r.cidrIpv6].filter(Boolean);
      if (cidrs.length > 0 && DATABASE_PORTS.some((port) => port >= from && port <= to)) {
        report(`database port open to ${cidrs.join(", ")}: admit the client's security group instead`);
      }
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
  securityGroupRulesStandalone,
  instancesHardened,
  noPlaintextSecrets,
  loadBalancerHardened,
  targetGroupHealthChecked,
  autoScalingMultiAz,
  launchTemplateHardened,
  databaseHardened,
  webAclRules,
  databasePortsFromGroupsOnly,
];
export const stackPolicies: StackValidationPolicy[] = [bucketsHardened, listenersHttps, webAclAttached];
