/**
 * Issue 21, finding 3: the instance refresh's "auto rollback" did not roll back. Mock-level (Pulumi mocks, no AWS,
 * no engine): the bad-image case as the day-2 planner sees one `pulumi up` with a new image digest, and the rule
 * that pages when a refresh does not roll out, matched against AWS's own sample events.
 *
 * Upstream sources read:
 * - hashicorp/terraform-provider-aws, internal/service/autoscaling/group.go (the v6 line's SDK-v2 copy stored for
 *   reading here), resourceGroupUpdate: `UpdateAutoScalingGroup` with the new `LaunchTemplate` first, then
 *   `startInstanceRefresh` with the same template as the desired configuration; no waiter on the refresh's end
 *   (only on its start, and on cancelling an earlier one). Open issue hashicorp/terraform-provider-aws#34189
 *   ("ASG Instance Refresh Rollback Impaired behavior", reported on 5.x, still open): the rollback goes back to
 *   the version the group already has. The fix proposed upstream (PR #39007) was closed unmerged.
 * - awsdocs/amazon-ec2-auto-scaling-user-guide, doc_source/ec2-auto-scaling-event-reference.md @ 309b0386: the
 *   sample events (detail-types "EC2 Auto Scaling Instance Refresh Failed", "… Cancelled", "… Succeeded",
 *   "… Started", "EC2 Instance Launch Unsuccessful"); the rollback detail-types from the EventBridge events
 *   reference ("Amazon EC2 Auto Scaling events": "… Rollback Succeeded", "… Rollback Failed").
 */
import { beforeAll, describe, expect, it } from "vitest";
import { REFRESH_FAILED_DETAIL_TYPES, refreshFailedPattern } from "../../components/fleet/refresh";
import { simulate, type Simulation } from "../../scripts/lib/plan/simulate";
import type { Snapshot, SnapshotResource } from "../../scripts/lib/plan/types";
import { ACCOUNT } from "../../scripts/lib/program-mocks";

const P = "observed-app-prod";
const GROUP = "aws:autoscaling/group:Group";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";

/**
 * An event from AWS's user guide (ec2-auto-scaling-event-reference.md @ 309b0386), verbatim but for the group's
 * name where the test says so.
 */
function sample(detailType: string, groupName = "my-auto-scaling-group"): Record<string, unknown> {
  const refresh = detailType.startsWith("EC2 Auto Scaling Instance Refresh");
  return {
    version: "0",
    id: "12345678-1234-1234-1234-123456789012",
    "detail-type": detailType,
    source: "aws.autoscaling",
    account: "123456789012",
    time: "yyyy-mm-ddThh:mm:ssZ",
    region: "us-west-2",
    resources: refresh ? ["auto-scaling-group-arn"] : ["auto-scaling-group-arn", "instance-arn"],
    detail: refresh
      ? { InstanceRefreshId: "c613620e-07e2-4ed2-a9e2-ef8258911ade", AutoScalingGroupName: groupName }
      : {
          StatusCode: "Failed",
          AutoScalingGroupName: groupName,
          ActivityId: "87654321-4321-4321-4321-210987654321",
          Details: { "Availability Zone": "us-west-2b", "Subnet ID": "subnet-12345678" },
          RequestId: "12345678-1234-1234-1234-123456789012",
          StatusMessage: "message-text",
          EndTime: "yyyy-mm-ddThh:mm:ssZ",
          EC2InstanceId: "i-1234567890abcdef0",
          StartTime: "yyyy-mm-ddThh:mm:ssZ",
          Cause: "description-text",
        },
  };
}

/**
 * EventBridge's matching for the patterns used here (EventBridge user guide, "Event patterns"): every field of the
 * pattern must match; an array of literals matches when the event's value (or one of its values) equals one of
 * them; an object descends into the event's object. Other operators are refused, so a pattern this cannot judge
 * fails the test instead of passing it.
 */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([k, p]) => {
    const v = event[k];
    if (Array.isArray(p)) {
      if (!p.every((x) => typeof x === "string" || typeof x === "number")) throw new Error(`operator in ${k}`);
      return (Array.isArray(v) ? v : [v]).some((x) => p.includes(x as string | number));
    }
    if (p && typeof p === "object") {
      return !!v && typeof v === "object" && matches(p as Record<string, unknown>, v as Record<string, unknown>);
    }
    throw new Error(`unsupported pattern at ${k}`);
  });
}

describe("finding 3: a bad image is not rolled back (mock-level: Pulumi mocks, no AWS)", () => {
  let sim: Simulation;
  const find = (s: Snapshot, type: string, nameIncludes = ""): SnapshotResource => {
    const found = s.resources.filter((r) => r.type === type && r.name.includes(nameIncludes));
    expect(found, `${type} *${nameIncludes}*`).toHaveLength(1);
    return found[0];
  };
  beforeAll(async () => {
    sim = await simulate("prod", ["image"]);
  }, 300_000);

  it("bad image, mock-level: the same `up` that builds it sets its launch template version on the group (nothing keeps the last good one), and the refresh has no auto-rollback", () => {
    const row = (type: string) => sim.plan.rows.filter((r) => r.type === type);
    // The new image is a new launch template version (an update, not a new template)...
    expect(row(LAUNCH_TEMPLATE).map((r) => [r.action, r.reasons.map((x) => x.path)])).toEqual([
      ["update", ["userData"]],
    ]);
    // ...and the group itself is updated to it in this `up`: UpdateAutoScalingGroup before StartInstanceRefresh
    // (group.go, resourceGroupUpdate). From then on every launch uses the new version, whatever the refresh does.
    const group = row(GROUP);
    expect(group.map((r) => [r.action, r.reasons.map((x) => x.path)])).toEqual([
      ["update", ["launchTemplate.version"]],
    ]);
    const [before, after] = [find(sim.before, GROUP), find(sim.after, GROUP)];
    const version = (g: SnapshotResource) => (g.inputs.launchTemplate as { version: string }).version;
    const template = find(sim.before, LAUNCH_TEMPLATE);
    expect(version(before)).toBe(String(template.computed.latestVersion));
    expect(version(after), "the group no longer names the last good version").not.toBe(version(before));
    // AWS would "roll back" to the group's configuration at the refresh's start, which is already the new
    // version (hashicorp/terraform-provider-aws#34189): auto-rollback stays off, so a failing refresh ends Failed.
    expect(after.inputs.instanceRefresh).toMatchObject({
      strategy: "Rolling",
      preferences: { autoRollback: false, minHealthyPercentage: 100, maxHealthyPercentage: 200 },
    });
  });

  it("bad image, mock-level: a refresh that does not roll out pages: a rule on the fleet's group for the four end states, to the page topic, whose policy admits that rule alone", () => {
    const rule = find(sim.after, RULE, "-refresh-failed");
    expect(rule.inputs.name).toBe(`${P}-app-refresh-failed`);
    expect(JSON.parse(rule.inputs.eventPattern as string)).toEqual({
      source: ["aws.autoscaling"],
      "detail-type": [
        "EC2 Auto Scaling Instance Refresh Failed",
        "EC2 Auto Scaling Instance Refresh Cancelled",
        "EC2 Auto Scaling Instance Refresh Rollback Succeeded",
        "EC2 Auto Scaling Instance Refresh Rollback Failed",
      ],
      detail: { AutoScalingGroupName: [`${P}-app`] },
    });
    expect(find(sim.after, GROUP).inputs.name).toBe(`${P}-app`);
    expect(rule.inputs.description).toMatch(/docs\/runbooks\.md#app-refresh-failed/);
    const target = find(sim.after, TARGET, "-refresh-failed");
    const topicArn = `arn:aws:sns:eu-west-1:${ACCOUNT}:${P}-alerts`;
    expect(target.inputs).toMatchObject({ arn: topicArn, targetId: "page-topic" });
    expect(target.propertyDeps.rule).toEqual([rule.key]);
    // events.amazonaws.com may publish for this rule's ARN (and the GuardDuty rule's), nothing broader.
    const policy = JSON.parse(find(sim.after, "aws:sns/topicPolicy:TopicPolicy", "-alerts").inputs.policy as string);
    const events = (policy.Statement as Record<string, unknown>[]).filter(
      (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: "events.amazonaws.com" }),
    );
    expect(events.map((s) => [s.Sid, s.Effect, s.Resource, s.Condition])).toEqual([
      [
        "GuardDutyFindingsRule",
        "Allow",
        topicArn,
        { ArnEquals: { "aws:SourceArn": `arn:aws:events:eu-west-1:${ACCOUNT}:rule/${P}-guardduty-findings` } },
      ],
      [
        "StackEventRules",
        "Allow",
        topicArn,
        { ArnEquals: { "aws:SourceArn": [`arn:aws:events:eu-west-1:${ACCOUNT}:rule/${P}-app-refresh-failed`] } },
      ],
    ]);
    expect((policy.Statement as { Sid: string }[]).at(-1)?.Sid).toBe("TLSOnly");
  });
});

describe("finding 3: the refresh-failed pattern against AWS's sample events (pure)", () => {
  const pattern = refreshFailedPattern(`${P}-app`);

  it("matches the user guide's Failed and Cancelled events (and the rollback end states) of the fleet's group", () => {
    for (const t of REFRESH_FAILED_DETAIL_TYPES) expect(matches(pattern, sample(t, `${P}-app`)), t).toBe(true);
    expect(REFRESH_FAILED_DETAIL_TYPES).toContain("EC2 Auto Scaling Instance Refresh Failed");
    expect(REFRESH_FAILED_DETAIL_TYPES).toContain("EC2 Auto Scaling Instance Refresh Cancelled");
  });

  it("matches no other Auto Scaling event, and no other group's failed refresh", () => {
    for (const t of [
      "EC2 Auto Scaling Instance Refresh Succeeded",
      "EC2 Auto Scaling Instance Refresh Started",
      "EC2 Auto Scaling Instance Refresh Checkpoint Reached",
      "EC2 Auto Scaling Instance Refresh Rollback Started",
      "EC2 Instance Launch Unsuccessful",
      "EC2 Instance Terminate Unsuccessful",
    ]) {
      expect(matches(pattern, sample(t, `${P}-app`)), t).toBe(false);
    }
    expect(matches(pattern, sample("EC2 Auto Scaling Instance Refresh Failed"))).toBe(false);
    expect(
      matches(pattern, { ...sample("EC2 Auto Scaling Instance Refresh Failed", `${P}-app`), source: "aws.ec2" }),
    ).toBe(false);
  });
});
