/**
 * An instance refresh of the app fleet that did not roll out pages: `pulumi up` reports success as soon as the
 * refresh starts (see components/app-fleet.ts), so an EventBridge rule on the Auto Scaling events routes its end
 * to the page topic, whose policy must admit the rule (SecurityBaseline's `pageEventRules`).
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The Auto Scaling events that say a refresh did not roll out (AWS EC2 Auto Scaling user guide,
 * ec2-auto-scaling-event-reference.md; EventBridge events reference, "Amazon EC2 Auto Scaling events"): each
 * refresh that does not succeed ends in exactly one of them.
 */
export const REFRESH_FAILED_DETAIL_TYPES = [
  "EC2 Auto Scaling Instance Refresh Failed",
  "EC2 Auto Scaling Instance Refresh Cancelled",
  "EC2 Auto Scaling Instance Refresh Rollback Succeeded",
  "EC2 Auto Scaling Instance Refresh Rollback Failed",
] as const;

/** The fleet's group name (fixed: the refresh-failed rule and the runbooks name it). */
export const fleetGroupName = (namePrefix: string) => `${namePrefix}-app`;
/** The EventBridge rule paging on a refresh that did not roll out (SecurityBaseline's page topic admits it). */
export const refreshFailedRuleName = (namePrefix: string) => `${namePrefix}-app-refresh-failed`;

/** The event pattern of that rule: the fleet's group only. */
export function refreshFailedPattern(groupName: string) {
  return {
    source: ["aws.autoscaling"],
    "detail-type": [...REFRESH_FAILED_DETAIL_TYPES],
    detail: { AutoScalingGroupName: [groupName] },
  };
}

/** The rule on the group's refresh events and its target, the page topic (named `${name}-refresh-failed`). */
export function refreshFailedAlert(
  name: string,
  args: { namePrefix: string; pageTopicArn: pulumi.Input<string>; tags: Record<string, string> },
  groupName: pulumi.Output<string>,
  opts: pulumi.CustomResourceOptions,
): void {
  const rule = new aws.cloudwatch.EventRule(
    `${name}-refresh-failed`,
    {
      name: refreshFailedRuleName(args.namePrefix),
      description: `Instance refresh of ${fleetGroupName(args.namePrefix)} did not roll out (runbook: docs/runbooks.md#app-refresh-failed)`,
      eventPattern: groupName.apply((g) => JSON.stringify(refreshFailedPattern(g))),
      tags: args.tags,
    },
    opts,
  );
  new aws.cloudwatch.EventTarget(
    `${name}-refresh-failed`,
    { rule: rule.name, arn: args.pageTopicArn, targetId: "page-topic" },
    opts,
  );
}
