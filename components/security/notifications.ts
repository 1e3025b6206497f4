/**
 * The notification topics, encrypted with one customer-managed key that CloudWatch and EventBridge may use:
 * pages (`alerts`: critical alerts, CIS alarms, GuardDuty findings), tickets (warnings, so e-mail noise never
 * hides a page) and the Watchdog heartbeat, which nobody reads: an alarm pages when it falls silent.
 */
import * as aws from "@pulumi/aws";
import { awsNames } from "../../monitoring-config/contract";
import { heartbeatMissingAlarm, metricAlarm } from "../alarms";
import { alertTopicKeyPolicy, tlsOnlyTopicPolicy } from "../policy-documents";
import { scopedDocument, type BaselineContext } from "./context";

/** The page, ticket and heartbeat topics, their key and policies, the e-mail subscriptions, the heartbeat alarm. */
export function alertTopics(ctx: BaselineContext) {
  const { name, args, child } = ctx;
  const topicKey = new aws.kms.Key(
    `${name}-alerts-key`,
    {
      description: `SNS topics ${awsNames.alertTopic(args.namePrefix)}, -tickets, -heartbeat`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: scopedDocument(ctx, {}, alertTopicKeyPolicy),
      tags: args.tags,
    },
    child,
  );
  const make = (role: string, topicName: string) =>
    new aws.sns.Topic(`${name}-${role}`, { name: topicName, kmsMasterKeyId: topicKey.arn, tags: args.tags }, child);
  const topic = make("alerts", awsNames.alertTopic(args.namePrefix));
  const tickets = make("tickets", awsNames.ticketTopic(args.namePrefix));
  const heartbeat = make("heartbeat", awsNames.heartbeatTopic(args.namePrefix));
  for (const [role, t] of [
    ["tickets", tickets],
    ["heartbeat", heartbeat],
  ] as const) {
    new aws.sns.TopicPolicy(
      `${name}-${role}`,
      { arn: t.arn, policy: scopedDocument(ctx, { topicArn: t.arn }, (_s, v) => tlsOnlyTopicPolicy(v.topicArn)) },
      child,
    );
  }
  if (args.alertEmail) {
    for (const [role, t] of [
      ["alerts", topic],
      ["tickets", tickets],
    ] as const) {
      new aws.sns.TopicSubscription(
        `${name}-${role}-email`,
        { topic: t.arn, protocol: "email", endpoint: args.alertEmail },
        child,
      );
    }
  }
  metricAlarm(
    `${name}-heartbeat-missing`,
    heartbeatMissingAlarm(args.namePrefix, heartbeat.name),
    { topicArn: topic.arn, notifyOnOk: true },
    args.tags,
    child,
  );
  return { topic, topicKey, tickets, heartbeat };
}
