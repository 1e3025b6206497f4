/**
 * Provider contracts over the recorded inputs of dev and prod (mock-level inputs, real rules): what
 * @pulumi/command 1.2.1, @pulumi/docker and the AWS APIs refuse at check/create time, read from their sources
 * (testkit/provider-contracts.ts cites each). Every rule has a fixture that breaks it.
 */
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/paths";
import { checkContracts, CONTRACT_RULES, type ResourceInputs } from "../../testkit/provider-contracts";
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
  // The fleet's rules (testkit/provider-contracts-fleet.ts): each fixture breaks exactly what its rule reads.
  "elbv2-load-balancer": fixture("aws:lb/loadBalancer:LoadBalancer", {
    loadBalancerType: "application",
    name: "observed-app-production-eu-west-1-alb",
  }),
  "elbv2-target-group": fixture("aws:lb/targetGroup:TargetGroup", {
    protocol: "HTTP",
    targetType: "instance",
    healthCheck: { interval: 5, timeout: 5 },
  }),
  "elbv2-listener": fixture("aws:lb/listener:Listener", {
    protocol: "HTTPS",
    sslPolicy: "ELBSecurityPolicy-2016-08",
    certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/c",
  }),
  "autoscaling-group": fixture("aws:autoscaling/group:Group", {
    minSize: 2,
    maxSize: 6,
    healthCheckType: "ELB",
    instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 50, maxHealthyPercentage: 200 } },
  }),
  "autoscaling-target-tracking": fixture("aws:autoscaling/policy:Policy", {
    targetTrackingConfiguration: { predefinedMetricSpecification: { predefinedMetricType: "CPUUtilization" } },
  }),
  "ec2-launch-template": fixture("aws:ec2/launchTemplate:LaunchTemplate", {
    metadataOptions: { httpTokens: "required" },
    blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeType: "gp4", encrypted: "true" } }],
  }),
  "ec2-vpc-endpoint": fixture("aws:ec2/vpcEndpoint:VpcEndpoint", {
    vpcEndpointType: "Gateway",
    serviceName: "com.amazonaws.eu-west-1.s3",
    subnetIds: ["subnet-a"],
  }),
  "rds-instance": fixture("aws:rds/instance:Instance", {
    identifier: "observed-app-prod-db",
    engine: "postgres",
    backupWindow: "03:00-04:00",
    maintenanceWindow: "sun:03:30-sun:04:30",
  }),
  "rds-parameter-group": fixture("aws:rds/parameterGroup:ParameterGroup", {
    family: "postgres16",
    parameters: [{ name: "max_connections", value: "100", applyMethod: "on-reboot" }],
  }),
  "wafv2-web-acl": fixture("aws:wafv2/webAcl:WebAcl", {
    scope: "REGIONAL",
    name: "app",
    visibilityConfig: { metricName: "app" },
    rules: [
      {
        name: "rate",
        action: { block: {} },
        statement: { rateBasedStatement: { limit: 5, aggregateKeyType: "IP" } },
        visibilityConfig: { metricName: "rate" },
      },
    ],
  }),
  "wafv2-logging-destination": fixture("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", {
    logDestinationConfigs: ["arn:aws:logs:eu-west-1:123456789012:log-group:/waf/app"],
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

describe("provider contracts of the fleet: what each breaking fixture breaks (AWS SDK enums and API formats)", () => {
  const props = (id: string) => checkContracts([broken[id]]).map((v) => v.property);

  it("names, TLS policies, health-check ranges and refresh percentages the APIs refuse", () => {
    expect(props("elbv2-load-balancer")).toEqual(["name"]); // 37 characters: ELB allows 32
    expect(props("elbv2-target-group")).toEqual(["healthCheck.timeout"]); // must be below the interval
    expect(props("elbv2-listener")).toEqual(["sslPolicy"]); // allows TLS 1.0
    expect(props("autoscaling-group")).toEqual(["instanceRefresh.preferences.maxHealthyPercentage"]); // span > 100
    expect(props("autoscaling-target-tracking")).toEqual([
      "targetTrackingConfiguration.predefinedMetricSpecification.predefinedMetricType",
    ]);
  });

  it("volume types, endpoint shapes, RDS windows and WAF limits", () => {
    expect(props("ec2-launch-template")).toEqual(["blockDeviceMappings[0].ebs.volumeType"]);
    expect(props("ec2-vpc-endpoint")).toEqual(["subnetIds"]);
    expect(props("rds-instance")).toEqual(["backupWindow"]); // overlaps the maintenance window
    expect(props("rds-parameter-group")).toEqual(["parameters[0].applyMethod"]);
    expect(props("wafv2-web-acl")).toEqual(["rules[0].statement.rateBasedStatement.limit"]);
    expect(props("wafv2-logging-destination")).toEqual(["logDestinationConfigs[0]"]);
  });
});
