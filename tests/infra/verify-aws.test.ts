/** The AWS checks of `npm run verify`, against aws-sdk-client-mock (mock-level: no AWS account here). */
import { CloudTrailClient, GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
import { CloudWatchLogsClient, DescribeLogStreamsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetDetectorCommand, GuardDutyClient, ListCoverageCommand } from "@aws-sdk/client-guardduty";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  type Instance as AsgInstance,
} from "@aws-sdk/client-auto-scaling";
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import {
  checkDatabase,
  checkFleet,
  checkGuardDuty,
  checkGuardDutyCoverage,
  checkLogGroup,
  checkTargets,
  checkTrail,
  checksFor,
} from "../../scripts/verify";

const trail = mockClient(CloudTrailClient);
const gd = mockClient(GuardDutyClient);
const logs = mockClient(CloudWatchLogsClient);
afterEach(() => {
  trail.reset();
  gd.reset();
  logs.reset();
});

describe("verify: AWS checks (mock-level, aws-sdk-client-mock)", () => {
  it("CloudTrail: passes when logging, fails when stopped or delivery fails", async () => {
    trail.on(GetTrailStatusCommand, { Name: "t" }).resolves({ IsLogging: true, LatestDeliveryTime: new Date() });
    expect((await checkTrail(new CloudTrailClient({}), "t")()).ok).toBe(true);
    trail.on(GetTrailStatusCommand).resolves({ IsLogging: false });
    expect(await checkTrail(new CloudTrailClient({}), "t")()).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/IsLogging=false/),
    });
    trail.on(GetTrailStatusCommand).resolves({ IsLogging: true, LatestDeliveryError: "AccessDenied" });
    expect(await checkTrail(new CloudTrailClient({}), "t")()).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/AccessDenied/),
    });
  });

  it("GuardDuty: passes when ENABLED, fails when DISABLED or the call fails", async () => {
    gd.on(GetDetectorCommand).resolves({ Status: "ENABLED", ServiceRole: "r" });
    expect((await checkGuardDuty(new GuardDutyClient({}), "d")()).ok).toBe(true);
    gd.on(GetDetectorCommand).resolves({ Status: "DISABLED", ServiceRole: "r" });
    expect((await checkGuardDuty(new GuardDutyClient({}), "d")()).ok).toBe(false);
    gd.on(GetDetectorCommand).rejects(new Error("BadRequestException: detector not found"));
    expect(await checkGuardDuty(new GuardDutyClient({}), "d")()).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/not found/),
    });
  });

  it("log groups: pass with a recent event, fail when stale or empty", async () => {
    logs.on(DescribeLogStreamsCommand).resolves({ logStreams: [{ lastEventTimestamp: Date.now() - 60_000 }] });
    expect((await checkLogGroup(new CloudWatchLogsClient({}), "/aws/cloudtrail/x")()).ok).toBe(true);
    logs.on(DescribeLogStreamsCommand).resolves({ logStreams: [{ lastEventTimestamp: Date.now() - 3 * 3600_000 }] });
    expect((await checkLogGroup(new CloudWatchLogsClient({}), "/aws/cloudtrail/x")()).ok).toBe(false);
    logs.on(DescribeLogStreamsCommand).resolves({ logStreams: [] });
    expect(await checkLogGroup(new CloudWatchLogsClient({}), "/aws/cloudtrail/x")()).toMatchObject({
      ok: false,
      detail: "no events yet",
    });
  });
});

describe("verify: the fleet's checks (mock-level, aws-sdk-client-mock)", () => {
  const asg = mockClient(AutoScalingClient);
  const elb = mockClient(ElasticLoadBalancingV2Client);
  const rds = mockClient(RDSClient);
  afterEach(() => {
    asg.reset();
    elb.reset();
    rds.reset();
  });
  const instance = (id: string, LifecycleState: string, HealthStatus: string): AsgInstance => ({
    InstanceId: id,
    LifecycleState: LifecycleState as AsgInstance["LifecycleState"],
    HealthStatus,
    AvailabilityZone: "eu-west-1a",
    ProtectedFromScaleIn: false,
  });
  const group = (instances: AsgInstance[]) => ({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: "g",
        MinSize: 2,
        MaxSize: 6,
        DesiredCapacity: 2,
        DefaultCooldown: 300,
        AvailabilityZones: ["eu-west-1a"],
        HealthCheckType: "ELB",
        CreatedTime: new Date(),
        Instances: instances,
      },
    ],
  });

  it("the group passes with its minimum in service and healthy; fails below it, with an unhealthy one, or without the group", async () => {
    asg
      .on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ["g"] })
      .resolves(group([instance("i-1", "InService", "Healthy"), instance("i-2", "InService", "Healthy")]));
    expect(await checkFleet(new AutoScalingClient({}), "g")()).toMatchObject({ ok: true, detail: /2 of 2/ });
    asg.on(DescribeAutoScalingGroupsCommand).resolves(group([instance("i-1", "InService", "Healthy")]));
    expect((await checkFleet(new AutoScalingClient({}), "g")()).ok).toBe(false);
    asg
      .on(DescribeAutoScalingGroupsCommand)
      .resolves(
        group([
          instance("i-1", "InService", "Healthy"),
          instance("i-2", "InService", "Healthy"),
          instance("i-3", "Pending", "Unhealthy"),
        ]),
      );
    expect(await checkFleet(new AutoScalingClient({}), "g")()).toMatchObject({
      ok: false,
      detail: /i-3 Pending\/Unhealthy/,
    });
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    expect(await checkFleet(new AutoScalingClient({}), "g")()).toMatchObject({
      ok: false,
      detail: /no Auto Scaling group g/,
    });
  });

  it("targets: every target healthy passes; one unhealthy fails with its reason; none fails", async () => {
    elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: "i-1" }, TargetHealth: { State: "healthy" } },
        { Target: { Id: "i-2" }, TargetHealth: { State: "healthy" } },
      ],
    });
    expect((await checkTargets(new ElasticLoadBalancingV2Client({}), "tg")()).ok).toBe(true);
    elb.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: "i-1" }, TargetHealth: { State: "healthy" } },
        { Target: { Id: "i-2" }, TargetHealth: { State: "unhealthy", Reason: "Target.ResponseCodeMismatch" } },
      ],
    });
    expect(await checkTargets(new ElasticLoadBalancingV2Client({}), "tg")()).toMatchObject({
      ok: false,
      detail: "i-2: unhealthy (Target.ResponseCodeMismatch)",
    });
    elb.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    expect((await checkTargets(new ElasticLoadBalancingV2Client({}), "tg")()).ok).toBe(false);
  });

  it("database: available, encrypted and private passes; prod also needs Multi-AZ and deletion protection", async () => {
    const db = { DBInstanceStatus: "available", StorageEncrypted: true, PubliclyAccessible: false, MultiAZ: false };
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [db] });
    expect((await checkDatabase(new RDSClient({}), "d", false)()).ok).toBe(true);
    expect(await checkDatabase(new RDSClient({}), "d", true)()).toMatchObject({
      ok: false,
      detail: "not Multi-AZ, no deletion protection",
    });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ ...db, DBInstanceStatus: "storage-full" }] });
    expect(await checkDatabase(new RDSClient({}), "d", false)()).toMatchObject({
      ok: false,
      detail: "status storage-full",
    });
  });

  // Issue 21, finding 4. The shapes are GuardDuty's API as @aws-sdk/client-guardduty (the dev dependency) types
  // it: GetDetector's Features[].{Name,Status,AdditionalConfiguration}, ListCoverage's FilterCriteria
  // (RESOURCE_TYPE = EC2) and Resources[].{CoverageStatus HEALTHY|UNHEALTHY, Issue, ResourceDetails.Ec2InstanceDetails}.
  it("GuardDuty EC2 runtime coverage: the covered count always; fails when the feature is on and a fleet instance is not covered; passes, saying so, when it is off", async () => {
    const runtime = (status: "ENABLED" | "DISABLED") => ({
      Status: "ENABLED" as const,
      ServiceRole: "r",
      Features: [
        { Name: "S3_DATA_EVENTS" as const, Status: "ENABLED" as const },
        {
          Name: "RUNTIME_MONITORING" as const,
          Status: status,
          AdditionalConfiguration: [{ Name: "EC2_AGENT_MANAGEMENT" as const, Status: status }],
        },
      ],
    });
    const coverage = (id: string, healthy: boolean) => ({
      ResourceId: id,
      DetectorId: "d",
      CoverageStatus: healthy ? ("HEALTHY" as const) : ("UNHEALTHY" as const),
      Issue: healthy ? undefined : "SSM association failed",
      ResourceDetails: { ResourceType: "EC2" as const, Ec2InstanceDetails: { InstanceId: id } },
    });
    asg
      .on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ["g"] })
      .resolves(group([instance("i-1", "InService", "Healthy"), instance("i-2", "InService", "Healthy")]));
    const check = () =>
      checkGuardDutyCoverage(new GuardDutyClient({}), "d", { client: new AutoScalingClient({}), groupName: "g" })();

    // On, one fleet instance covered, one with an issue (page 2), one with no record at all: fails, naming them.
    gd.on(GetDetectorCommand).resolves(runtime("ENABLED"));
    gd.on(ListCoverageCommand, { NextToken: undefined }).resolves({
      Resources: [coverage("i-1", true)],
      NextToken: "p2",
    });
    gd.on(ListCoverageCommand, { NextToken: "p2" }).resolves({ Resources: [coverage("i-9", false)] });
    asg
      .on(DescribeAutoScalingGroupsCommand)
      .resolves(
        group([
          instance("i-1", "InService", "Healthy"),
          instance("i-2", "InService", "Healthy"),
          instance("i-9", "InService", "Healthy"),
        ]),
      );
    expect(await check()).toEqual({
      name: "GuardDuty EC2 runtime coverage",
      ok: false,
      detail:
        "runtime monitoring on (agent managed by GuardDuty): 1 instance(s) covered, 1 of 3 in the fleet; " +
        "not covered: i-2 (no coverage record), i-9 (SSM association failed)",
    });
    const calls = gd.commandCalls(ListCoverageCommand);
    expect(calls[0].args[0].input.FilterCriteria).toEqual({
      FilterCriterion: [{ CriterionKey: "RESOURCE_TYPE", FilterCondition: { Equals: ["EC2"] } }],
    });
    expect(calls.map((c) => c.args[0].input.NextToken)).toEqual([undefined, "p2"]);

    // On, every fleet instance covered: passes with the count.
    gd.on(ListCoverageCommand).resolves({
      Resources: [coverage("i-1", true), coverage("i-2", true), coverage("i-9", true)],
    });
    expect(await check()).toMatchObject({ ok: true, detail: expect.stringMatching(/3 of 3 in the fleet$/) });

    // Off (the program's choice): passes and says the instances are not monitored by design.
    gd.on(GetDetectorCommand).resolves(runtime("DISABLED"));
    gd.on(ListCoverageCommand).resolves({ Resources: [] });
    expect(await check()).toEqual({
      name: "GuardDuty EC2 runtime coverage",
      ok: true,
      detail: "runtime monitoring off (by design): 0 instance(s) covered, 0 of 3 in the fleet",
    });

    // The outputs of a fleet with a detector add both GuardDuty checks.
    const outputs = {
      appUrl: "http://lb",
      prometheusUrl: "http://127.0.0.1:9090",
      alertmanagerUrl: "http://127.0.0.1:9093",
      guardDutyDetectorId: "d",
      appTier: "fleet" as const,
      appAutoScalingGroup: "g",
    };
    expect(checksFor(outputs, { region: "eu-west-1" })).toHaveLength(5 + 2 + 1);
  });

  it("a fleet's outputs add the three checks; an https app URL without a fingerprint is trusted to the system's CAs only for a fleet", () => {
    const base = { prometheusUrl: "http://127.0.0.1:9090", alertmanagerUrl: "http://127.0.0.1:9093" };
    const fleet = {
      ...base,
      appUrl: "https://tasks.example.com",
      appTier: "fleet" as const,
      appAutoScalingGroup: "g",
      appTargetGroupArn: "tg",
      databaseIdentifier: "d",
      environment: "prod" as const,
    };
    expect(checksFor(fleet, { region: "eu-west-1" })).toHaveLength(5 + 3);
    expect(checksFor(fleet)).toHaveLength(5);
    expect(() => checksFor({ ...fleet, appTier: "host" })).toThrow(/no appCertificateSha256 to pin/);
  });
});
