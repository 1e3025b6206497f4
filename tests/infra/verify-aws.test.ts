/** The AWS checks of `npm run verify`, against aws-sdk-client-mock (mock-level: no AWS account here). */
import { CloudTrailClient, GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
import { CloudWatchLogsClient, DescribeLogStreamsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetDetectorCommand, GuardDutyClient } from "@aws-sdk/client-guardduty";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { checkGuardDuty, checkLogGroup, checkTrail } from "../../scripts/verify";

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
