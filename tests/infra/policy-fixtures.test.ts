import { describe, expect, it } from "vitest";
import { resourcePolicies, securityGroupIngress, stackPolicies } from "../../policy/policies";
import { runPolicies } from "./policy-run";

type Fixture = { type: string; name: string; inputs: Record<string, unknown> };
const r = (type: string, inputs: Record<string, unknown>, name = "fixture"): Fixture => ({ type, name, inputs });
const tlsPolicy = JSON.stringify({
  Statement: [
    { Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
  ],
});

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
    good: [
      r("aws:ec2/securityGroup:SecurityGroup", {
        ingress: [
          { protocol: "tcp", fromPort: 3000, toPort: 3000, cidrBlocks: ["0.0.0.0/0"] },
          { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] },
        ],
      }),
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
