import { describe, expect, it } from "vitest";
import { REQUIRED_WAF_GROUPS, resourcePolicies, securityGroupIngress, stackPolicies } from "../../policy/policies";
import { runPolicies } from "./policy-run";

type Fixture = { type: string; name: string; inputs: Record<string, unknown>; propertyDeps?: Record<string, string[]> };
const r = (type: string, inputs: Record<string, unknown>, name = "fixture"): Fixture => ({ type, name, inputs });
const tlsPolicy = JSON.stringify({
  Statement: [
    { Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
  ],
});

/** A web ACL that runs every required rule, with its association and logging (each WAF policy's good case). */
const wafRules = [
  { statement: { rateBasedStatement: { limit: 2000, aggregateKeyType: "IP" } } },
  ...REQUIRED_WAF_GROUPS.map((name) => ({ statement: { managedRuleGroupStatement: { vendorName: "AWS", name } } })),
];
const compliantWaf = [
  r("aws:wafv2/webAcl:WebAcl", { rules: wafRules }, "acl"),
  r("aws:wafv2/webAclAssociation:WebAclAssociation", {}, "acl"),
  r("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", {}, "acl"),
];

/** One compliant and one violating fixture per policy: each policy can fail, and passes what it should. */
const cases: Record<string, { good: Fixture[]; bad: Fixture[]; message: RegExp }> = {
  "cloudtrail-multi-region-validated-kms": {
    good: [
      r("aws:cloudtrail/trail:Trail", { isMultiRegionTrail: true, enableLogFileValidation: true, kmsKeyId: "arn:k" }),
    ],
    bad: [r("aws:cloudtrail/trail:Trail", { isMultiRegionTrail: false, enableLogFileValidation: true })],
    message: /isMultiRegionTrail/,
  },
  "s3-public-access-blocked": {
    good: [
      r("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
    ],
    bad: [
      r("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { blockPublicAcls: true, blockPublicPolicy: false }),
    ],
    message: /blockPublicPolicy must be true/,
  },
  "s3-bucket-policy-tls-only-not-public": {
    good: [r("aws:s3/bucketPolicy:BucketPolicy", { policy: tlsPolicy })],
    bad: [
      r("aws:s3/bucketPolicy:BucketPolicy", {
        policy: JSON.stringify({
          Statement: [{ Sid: "Public", Effect: "Allow", Principal: "*", Action: "s3:GetObject" }],
        }),
      }),
    ],
    message: /SecureTransport|anonymous/,
  },
  "s3-default-encryption": {
    good: [
      r("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", {
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
      }),
    ],
    bad: [r("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", { rules: [] })],
    message: /no default encryption/,
  },
  "log-groups-have-retention": {
    good: [r("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 14 })],
    bad: [r("aws:cloudwatch/logGroup:LogGroup", {})],
    message: /retentionInDays/,
  },
  "sg-world-ingress-only-public-ports": {
    // Rules as standalone resources (an inline set would break sg-rules-standalone-only).
    good: [
      r("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
        ipProtocol: "tcp",
        fromPort: 3000,
        toPort: 3000,
        cidrIpv4: "0.0.0.0/0",
      }),
      r(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.0/24" },
        "ssh",
      ),
    ],
    bad: [
      r("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrIpv4: "0.0.0.0/0",
      }),
    ],
    message: /ports 22-22/,
  },
  "sg-rules-standalone-only": {
    good: [
      r("aws:ec2/securityGroup:SecurityGroup", { vpcId: "vpc-1", description: "app" }, "app-sg"),
      r(
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        { securityGroupId: "app-sg-id", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "10.0.0.0/16" },
        "app-to-endpoints",
      ),
    ],
    // The fleet's group on issue 21's main: `egress: []` beside standalone egress rules.
    bad: [
      r("aws:ec2/securityGroup:SecurityGroup", { vpcId: "vpc-1", description: "app", egress: [] }, "app-sg"),
      r(
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        { securityGroupId: "app-sg-id", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "10.0.0.0/16" },
        "app-to-endpoints",
      ),
    ],
    message: /on app-sg: inline egress \(\[\]\) makes the group manage its whole egress set/,
  },
  "ec2-imdsv2-encrypted-volumes": {
    good: [
      r("aws:ec2/instance:Instance", {
        metadataOptions: { httpTokens: "required" },
        rootBlockDevice: { encrypted: true },
      }),
      r("aws:ebs/volume:Volume", { encrypted: true }),
    ],
    bad: [
      r("aws:ec2/instance:Instance", {
        metadataOptions: { httpTokens: "optional" },
        rootBlockDevice: { encrypted: true },
      }),
    ],
    message: /IMDSv2/,
  },
  "no-plaintext-secrets": {
    good: [r("command:remote:Command", { create: 'docker run -e API_TOKEN "$IMAGE"' })],
    bad: [
      r("aws:ec2/instance:Instance", {
        userData: "#!/bin/sh\nexport API_TOKEN=abcdef123456\n",
        metadataOptions: { httpTokens: "required" },
        rootBlockDevice: { encrypted: true },
      }),
    ],
    message: /plain text/,
  },
  "alb-hardened": {
    good: [
      r("aws:lb/loadBalancer:LoadBalancer", {
        loadBalancerType: "application",
        internal: false,
        subnets: ["subnet-a", "subnet-b"],
        dropInvalidHeaderFields: true,
        accessLogs: { bucket: "logs", enabled: true },
      }),
      // An internet-facing load balancer needs its HTTPS listener (lb-listeners-https-redirect, issue 24).
      {
        ...r(
          "aws:lb/listener:Listener",
          { protocol: "HTTPS", port: 443, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" },
          "https",
        ),
        propertyDeps: { loadBalancerArn: ["aws:lb/loadBalancer:LoadBalancer::fixture"] },
      },
    ],
    bad: [
      r("aws:lb/loadBalancer:LoadBalancer", {
        loadBalancerType: "application",
        subnets: ["subnet-a", "subnet-b"],
        dropInvalidHeaderFields: true,
      }),
    ],
    message: /accessLogs must be enabled/,
  },
  "lb-listeners-https-redirect": {
    good: [
      r("aws:lb/listener:Listener", { protocol: "HTTPS", port: 443, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" }),
      r(
        "aws:lb/listener:Listener",
        { protocol: "HTTP", port: 80, defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS" } }] },
        "http",
      ),
    ],
    bad: [
      r("aws:lb/listener:Listener", { protocol: "HTTPS", port: 443, sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" }),
      r(
        "aws:lb/listener:Listener",
        { protocol: "HTTP", port: 80, defaultActions: [{ type: "forward", targetGroupArn: "tg" }] },
        "http",
      ),
    ],
    message: /listener http: HTTP beside HTTPS must only redirect/,
  },
  "target-group-health-checked": {
    good: [r("aws:lb/targetGroup:TargetGroup", { healthCheck: { path: "/health", matcher: "200" } })],
    bad: [r("aws:lb/targetGroup:TargetGroup", { healthCheck: { enabled: false } })],
    message: /healthCheck must be enabled/,
  },
  "asg-multi-az-elb-health": {
    good: [
      r("aws:autoscaling/group:Group", {
        vpcZoneIdentifiers: ["subnet-a", "subnet-b"],
        targetGroupArns: ["tg"],
        healthCheckType: "ELB",
      }),
    ],
    bad: [r("aws:autoscaling/group:Group", { vpcZoneIdentifiers: ["subnet-a"], targetGroupArns: ["tg"] })],
    message: /2\+ subnets/,
  },
  "launch-template-hardened": {
    good: [
      r("aws:ec2/launchTemplate:LaunchTemplate", {
        metadataOptions: { httpTokens: "required" },
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
        networkInterfaces: [{ associatePublicIpAddress: "false" }],
      }),
    ],
    bad: [
      r("aws:ec2/launchTemplate:LaunchTemplate", {
        metadataOptions: { httpTokens: "required" },
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
        networkInterfaces: [{ associatePublicIpAddress: "true" }],
      }),
    ],
    message: /public IP/,
  },
  "rds-encrypted-private-managed-password": {
    good: [
      r("aws:rds/instance:Instance", {
        storageEncrypted: true,
        kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k",
        publiclyAccessible: false,
        backupRetentionPeriod: 14,
        manageMasterUserPassword: true,
      }),
    ],
    bad: [
      r("aws:rds/instance:Instance", {
        storageEncrypted: true,
        kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k",
        backupRetentionPeriod: 14,
        password: "hunter2hunter2",
      }),
    ],
    message: /RDS-managed/,
  },
  "waf-managed-rules-and-rate-limit": {
    good: compliantWaf,
    bad: [
      r("aws:wafv2/webAcl:WebAcl", { rules: wafRules.slice(1) }, "acl"),
      r("aws:wafv2/webAclAssociation:WebAclAssociation", {}, "acl"),
      r("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", {}, "acl"),
    ],
    message: /rate-based rule is missing/,
  },
  "waf-associated-and-logged": {
    good: compliantWaf,
    bad: compliantWaf.slice(0, 2),
    message: /no logging configuration/,
  },
  "db-ports-from-security-groups-only": {
    good: [
      r("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        referencedSecurityGroupId: "sg-app",
      }),
    ],
    bad: [
      r("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        cidrIpv4: "10.0.0.0/16",
      }),
    ],
    message: /database port open to 10\.0\.0\.0\/16/,
  },
  "s3-buckets-have-hardening": {
    good: [
      r("aws:s3/bucket:Bucket", {}, "b"),
      r(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        "b",
      ),
      r(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        "b",
      ),
      r("aws:s3/bucketPolicy:BucketPolicy", { policy: tlsPolicy }, "b"),
    ],
    bad: [r("aws:s3/bucket:Bucket", {}, "naked")],
    message: /bucket naked has no public access block/,
  },
  // Issue 24 (CIS 5.4): the VPC's default security group kept AWS's allow rules.
  "vpc-default-security-group-no-rules": {
    good: [
      r("aws:ec2/vpc:Vpc", {}, "vpc"),
      {
        ...r("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", { vpcId: "vpc-id", ingress: [], egress: [] }, "vpc"),
        propertyDeps: { vpcId: ["aws:ec2/vpc:Vpc::vpc"] },
      },
    ],
    bad: [r("aws:ec2/vpc:Vpc", {}, "vpc")],
    message: /VPC vpc: its default security group is not managed/,
  },
};

describe("policy pack fixtures (mock-level: policies run without the Pulumi engine)", () => {
  it("has a fixture pair for every policy in the pack", () => {
    expect(Object.keys(cases).sort()).toEqual([...resourcePolicies, ...stackPolicies].map((p) => p.name).sort());
  });
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: passes the compliant fixture and reports the violating one`, async () => {
      expect(await runPolicies(c.good)).toEqual([]);
      const v = await runPolicies(c.bad);
      expect(
        v.some((x) => x.startsWith(name) && c.message.test(x)),
        v.join("\n"),
      ).toBe(true);
    });
  }
});

// Issue 24 (High): prod served the API over plain HTTP, and this policy skipped a stack without an HTTPS listener.
describe("lb-listeners-https-redirect: every internet-facing load balancer speaks HTTPS, HTTP only redirects (mock-level)", () => {
  const LB = "aws:lb/loadBalancer:LoadBalancer";
  const alb = (internal: boolean, name = "alb") =>
    r(
      LB,
      {
        loadBalancerType: "application",
        internal,
        subnets: ["subnet-a", "subnet-b"],
        dropInvalidHeaderFields: true,
        accessLogs: { bucket: "logs", enabled: true },
      },
      name,
    );
  /** A listener of `lb`, linked as the engine links it: its loadBalancerArn input came from the load balancer. */
  const listener = (lb: string, name: string, inputs: Record<string, unknown>): Fixture => ({
    ...r("aws:lb/listener:Listener", inputs, name),
    propertyDeps: { loadBalancerArn: [`${LB}::${lb}`] },
  });
  const forward = (lb = "alb", name = "http") =>
    listener(lb, name, { protocol: "HTTP", port: 80, defaultActions: [{ type: "forward", targetGroupArn: "tg" }] });
  const redirect = (lb = "alb") =>
    listener(lb, "http", {
      protocol: "HTTP",
      port: 80,
      defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    });
  const https = (lb = "alb") =>
    listener(lb, "https", {
      protocol: "HTTPS",
      port: 443,
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      defaultActions: [{ type: "forward", targetGroupArn: "tg" }],
    });

  it("a public ALB with only an HTTP listener that forwards fails: no HTTPS listener, and HTTP does not redirect", async () => {
    expect(await runPolicies([alb(false), forward()])).toEqual([
      "lb-listeners-https-redirect: load balancer alb: internet-facing without an HTTPS listener (the API would cross in clear)",
      "lb-listeners-https-redirect: listener http: HTTP on internet-facing alb must only redirect to HTTPS",
    ]);
  });

  it("a public ALB whose HTTP listener redirects still fails without an HTTPS listener", async () => {
    expect(await runPolicies([alb(false), redirect()])).toEqual([
      "lb-listeners-https-redirect: load balancer alb: internet-facing without an HTTPS listener (the API would cross in clear)",
    ]);
  });

  it("a public ALB with HTTPS and an HTTP listener that forwards fails on the HTTP listener", async () => {
    expect(await runPolicies([alb(false), https(), forward()])).toEqual([
      "lb-listeners-https-redirect: listener http: HTTP on internet-facing alb must only redirect to HTTPS",
    ]);
  });

  it("a public ALB with HTTPS and HTTP redirecting passes", async () => {
    expect(await runPolicies([alb(false), https(), redirect()])).toEqual([]);
  });

  it("an internal ALB is not concerned: HTTP forwarding passes, even beside a public ALB with HTTPS", async () => {
    expect(await runPolicies([alb(true, "internal"), forward("internal")])).toEqual([]);
    expect(
      await runPolicies([alb(true, "internal"), forward("internal", "internal-http"), alb(false), https(), redirect()]),
    ).toEqual([]);
  });

  it("a listener is matched by its load balancer's ARN where the engine knows it", async () => {
    const lb = { ...alb(false), inputs: { ...alb(false).inputs, arn: "arn:aws:elasticloadbalancing:lb" } };
    const byArn = r("aws:lb/listener:Listener", {
      loadBalancerArn: "arn:aws:elasticloadbalancing:lb",
      protocol: "HTTP",
      port: 80,
      defaultActions: [{ type: "forward", targetGroupArn: "tg" }],
    });
    expect(await runPolicies([lb, byArn])).toContain(
      "lb-listeners-https-redirect: listener fixture: HTTP on internet-facing alb must only redirect to HTTPS",
    );
  });
});

describe("sg-world-ingress-only-public-ports honours a stack's own appPort through policy config", () => {
  const rule = {
    type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    props: { ipProtocol: "tcp", fromPort: 8080, toPort: 8080, cidrIpv4: "0.0.0.0/0" },
  };
  const violations = (config?: { publicPorts: number[] }) => {
    const found: string[] = [];
    const validate = securityGroupIngress.validateResource as (a: unknown, report: (m: string) => void) => void;
    validate({ ...rule, name: "app-public-0", getConfig: config ? () => config : undefined }, (m) => found.push(m));
    return found;
  };

  it("an appPort of 8080 open to the world fails with the default list", () => {
    expect(violations()).toEqual([expect.stringMatching(/ports 8080-8080.*only 3000, 80, 443/)]);
  });

  it("and passes when the pack is configured with publicPorts [8080, 80, 443]", () => {
    expect(violations({ publicPorts: [8080, 80, 443] })).toEqual([]);
    expect(securityGroupIngress.configSchema?.properties?.publicPorts).toMatchObject({ type: "array" });
  });
});

describe("no-plaintext-secrets reads a launch template's base64 user data", () => {
  const lt = (script: string) => ({
    type: "aws:ec2/launchTemplate:LaunchTemplate",
    name: "lt",
    inputs: {
      metadataOptions: { httpTokens: "required" },
      blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }],
      userData: Buffer.from(script).toString("base64"),
    },
  });

  it("reports a token assigned in the encoded script", async () => {
    expect(await runPolicies([lt("#!/bin/sh\nexport API_TOKEN=abcdef123456\n")])).toEqual([
      expect.stringMatching(/^no-plaintext-secrets on lt: userData assigns a secret/),
    ]);
  });

  it("passes a script that names its secrets by ARN and reads them at boot", async () => {
    const script =
      "#!/bin/sh\nexport TOKEN_SECRET_ARN='arn:aws:secretsmanager:eu-west-1:1:secret:t'\necho \"API_TOKEN=$token\"\n";
    expect(await runPolicies([lt(script)])).toEqual([]);
  });
});
