/**
 * Provider contracts over the recorded inputs of dev and prod (mock-level inputs, real rules): what
 * @pulumi/command 1.2.1, @pulumi/docker and the AWS APIs refuse at check/create time, read from their sources
 * (scripts/lib/provider-contracts.ts cites each). Every rule has a fixture that breaks it.
 */
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/paths";
import { checkContracts, CONTRACT_RULES, type ResourceInputs } from "../../scripts/lib/provider-contracts";
import { expectNoViolation } from "./provider-contracts-run";

const fixture = (type: string, inputs: Record<string, unknown>): ResourceInputs => ({ type, name: "fixture", inputs });
const connection = { host: "203.0.113.10", user: "ec2-user", privateKey: "k", dialErrorLimit: 60, perDialTimeout: 10 };

/** One input per rule that the real provider or API refuses. */
const broken: Record<string, ResourceInputs> = {
  "command-copy-source-on-disk": fixture("command:remote:CopyToRemote", {
    connection,
    remotePath: "/tmp/x",
    source: new pulumi.asset.AssetArchive({ "a.txt": new pulumi.asset.StringAsset("in memory") }),
  }),
  "command-connection": fixture("command:remote:Command", {
    connection: { ...connection, hostKey: "not a key" },
    create: "true",
  }),
  "command-triggers-and-scripts": fixture("command:remote:Command", { connection, triggers: "abc" }),
  "docker-image-build": fixture("docker:index/image:Image", {
    imageName: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:tag",
    build: { context: REPO_ROOT, dockerfile: join(REPO_ROOT, "service", "Dockerfile"), platform: "arm64" },
    registry: { server: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app" },
  }),
  "guardduty-detector-feature": fixture("aws:guardduty/detectorFeature:DetectorFeature", {
    detectorId: "d",
    name: "S3_DATA_EVENTS",
    status: "ENABLED",
    additionalConfigurations: [{ name: "EC2_AGENT_MANAGEMENT", status: "ENABLED" }],
  }),
  "cloudwatch-metric-alarm": fixture("aws:cloudwatch/metricAlarm:MetricAlarm", {
    comparisonOperator: "GreaterThanOrEqual",
    statistic: "Sum",
    treatMissingData: "notBreaching",
  }),
  "s3-lifecycle-storage-class": fixture("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", {
    rules: [{ id: "r", status: "Enabled", transitions: [{ days: 90, storageClass: "GLACIER_FLEXIBLE_RETRIEVAL" }] }],
  }),
  "cloudwatch-log-retention": fixture("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 10 }),
  "eventbridge-pattern": fixture("aws:cloudwatch/eventRule:EventRule", {
    eventPattern: JSON.stringify({ source: "aws.guardduty", detail: { severity: [{ numeric: [">=", "4"] }] } }),
  }),
  "tls-key-and-certificate": fixture("tls:index/selfSignedCert:SelfSignedCert", {
    privateKeyPem: "-----BEGIN EC PRIVATE KEY-----\n…\n-----END EC PRIVATE KEY-----\n",
    validityPeriodHours: 8760,
    allowedUses: ["digital_signature", "server_auth"],
  }),
  "ec2-instance-metadata": fixture("aws:ec2/instance:Instance", {
    metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 0 },
  }),
};

describe("provider contracts: recorded inputs of the program against the providers' and AWS's rules", () => {
  // One stack per file (the Pulumi runtime is process-global): prod runs in provider-contracts-prod.test.ts.
  it("dev: no violation", () => expectNoViolation("dev"), 60_000);

  it("every rule has a breaking fixture", () => {
    expect(Object.keys(broken).sort()).toEqual(CONTRACT_RULES.map((r) => r.id).sort());
  });

  for (const rule of CONTRACT_RULES) {
    it(`${rule.id}: the breaking fixture is reported (source: ${rule.source.slice(0, 60)}…)`, () => {
      const v = checkContracts([broken[rule.id]]);
      expect(
        v.some((x) => x.rule === rule.id),
        JSON.stringify(v),
      ).toBe(true);
    });
  }

  it("the bundle upload the program used to declare (an in-memory archive for CopyToRemote) is refused", () => {
    const v = checkContracts([broken["command-copy-source-on-disk"]]);
    expect(v).toEqual([expect.objectContaining({ property: "source", value: "asset-archive" })]);
    const onDisk = fixture("command:remote:CopyToRemote", {
      connection,
      remotePath: "/tmp/x",
      source: new pulumi.asset.FileArchive(REPO_ROOT),
    });
    expect(checkContracts([onDisk])).toEqual([]);
  });
});
