/**
 * The stack's CloudWatch alarms, written one way and read in one place. An `AlarmSpec` says what is watched, when
 * it fires and why the threshold is what it is (as monitoring-config/thresholds.ts does for the Prometheus
 * alerts), an `AlarmRouting` says who hears it, and `metricAlarm` turns both into the aws.cloudwatch.MetricAlarm.
 * The specs of every alarm the components raise follow: the monitoring heartbeat, the CIS filters, the database's
 * saturation and the front door's targets.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { HEALTH_PATH } from "../monitoring-config/contract";
import { CONNECTION_CEILING_RATIO } from "./config/limits";

/** The comparisons the alarms here use (CloudWatch's ComparisonOperator). */
export type AlarmComparison =
  "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold" | "LessThanOrEqualToThreshold";

/** What an alarm watches and when it fires. */
export interface AlarmSpec {
  /** The alarm's name in CloudWatch (and in the notifications). */
  readonly name: string;
  /** What it means when it fires (CloudWatch's AlarmDescription). */
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  /** The metric's dimensions; none for a metric of its own (the CIS filters' metrics). */
  readonly dimensions?: Record<string, pulumi.Input<string>>;
  readonly statistic: "Sum" | "Average" | "Minimum" | "Maximum";
  /** Seconds per datapoint. */
  readonly period: number;
  /** Consecutive breaching datapoints before it fires. */
  readonly evaluationPeriods: number;
  readonly comparison: AlarmComparison;
  readonly threshold: number;
  /** Why the threshold and its window are what they are (not sent to AWS: it is for the next maintainer). */
  readonly reason: string;
  /** A gap in the data: `missing` keeps the state, `breaching` fires (absence is the failure), `notBreaching` clears. */
  readonly missingData: "missing" | "breaching" | "notBreaching";
}

/** Who hears an alarm. */
export interface AlarmRouting {
  /** The topic notified when the alarm fires: the page or the ticket topic. */
  readonly topicArn: pulumi.Input<string>;
  /** Notify the same topic when it clears (a page that resolves itself says so). */
  readonly notifyOnOk: boolean;
}

/** The MetricAlarm of a spec, routed as asked: `logicalName` is its Pulumi name, `spec.name` the one AWS shows. */
export function metricAlarm(
  logicalName: string,
  spec: AlarmSpec,
  routing: AlarmRouting,
  tags: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(
    logicalName,
    {
      name: spec.name,
      alarmDescription: spec.description,
      namespace: spec.namespace,
      metricName: spec.metricName,
      dimensions: spec.dimensions,
      statistic: spec.statistic,
      period: spec.period,
      evaluationPeriods: spec.evaluationPeriods,
      threshold: spec.threshold,
      comparisonOperator: spec.comparison,
      treatMissingData: spec.missingData,
      alarmActions: [routing.topicArn],
      okActions: routing.notifyOnOk ? [routing.topicArn] : undefined,
      tags,
    },
    opts,
  );
}

/** An alarm named after its runbook section: `id` is the suffix of its Pulumi and AWS names and the anchor. */
export type RunbookAlarmSpec = AlarmSpec & { readonly id: string };

/** A spec whose AWS name is `${namePrefix}-${id}` and whose description ends with its runbook section. */
function runbookAlarm(namePrefix: string, id: string, spec: Omit<AlarmSpec, "name">): RunbookAlarmSpec {
  const description = `${spec.description} (runbook: docs/runbooks.md#${id})`;
  return { ...spec, id, name: `${namePrefix}-${id}`, description };
}

/** Alarms that page and say when they clear, each named `${component}-${id}` in Pulumi. */
export function pagingAlarms(
  component: string,
  specs: readonly RunbookAlarmSpec[],
  pageTopicArn: pulumi.Input<string>,
  tags: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.MetricAlarm[] {
  return specs.map((s) =>
    metricAlarm(`${component}-${s.id}`, s, { topicArn: pageTopicArn, notifyOnOk: true }, tags, opts),
  );
}

/**
 * Dead man's switch: the heartbeat topic receives Alertmanager's Watchdog every minute; fewer than one message in
 * 15 minutes (or no data at all) pages, with no extra host to watch the watcher.
 */
export function heartbeatMissingAlarm(namePrefix: string, heartbeatTopicName: pulumi.Input<string>): AlarmSpec {
  return {
    name: `${namePrefix}-monitoring-heartbeat-missing`,
    description:
      "Alertmanager's Watchdog heartbeat stopped reaching SNS: the monitoring host, Prometheus or Alertmanager is down or cannot publish",
    namespace: "AWS/SNS",
    metricName: "NumberOfMessagesPublished",
    dimensions: { TopicName: heartbeatTopicName },
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 3,
    comparison: "LessThanThreshold",
    threshold: 1,
    reason:
      "The Watchdog repeats every minute: 15 minutes without one message is no lost delivery, and no data at all is the same silence",
    missingData: "breaching",
  };
}

/** The alarm on a CIS filter's metric (`metricName` in `namespace`): any one matching CloudTrail event. */
export function cisAlarm(namePrefix: string, controlId: string, metricName: string, namespace: string): AlarmSpec {
  return {
    name: `${namePrefix}-cis-${controlId}-${metricName}`,
    description: `CIS AWS Foundations ${controlId}: ${metricName} seen in CloudTrail`,
    namespace,
    metricName,
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 1,
    comparison: "GreaterThanOrEqualToThreshold",
    threshold: 1,
    reason: "The benchmark alarms on every occurrence: each of these events is rare and worth a look on its own",
    missingData: "notBreaching",
  };
}

/**
 * The database's saturation alarms: CPU, connections near the ceiling, storage running out. RDS reports each
 * every minute; five-minute averages smooth a vacuum or a batch out.
 */
export function databaseAlarms(
  identifier: string,
  dbIdentifier: pulumi.Input<string>,
  maxConnections: number,
  storageGiB: number,
): RunbookAlarmSpec[] {
  const rds = (metricName: string) => ({
    namespace: "AWS/RDS",
    metricName,
    dimensions: { DBInstanceIdentifier: dbIdentifier },
    statistic: "Average" as const,
    period: 300,
    missingData: "missing" as const,
  });
  return [
    runbookAlarm(identifier, "database-cpu-high", {
      ...rds("CPUUtilization"),
      description: "Database CPU above 80 % for 15 minutes",
      evaluationPeriods: 3,
      comparison: "GreaterThanThreshold",
      threshold: 80,
      reason: "Past 80 % a burst has no headroom left; a quarter of an hour is a trend, not a vacuum or a backup",
    }),
    runbookAlarm(identifier, "database-connections-high", {
      ...rds("DatabaseConnections"),
      description: `Database connections above 80 % of max_connections (${maxConnections}) for 15 minutes`,
      evaluationPeriods: 3,
      comparison: "GreaterThanThreshold",
      threshold: Math.floor(maxConnections * CONNECTION_CEILING_RATIO),
      reason:
        "The fleet's pools at its largest stay under 80 % of max_connections (the config refuses more): above it, something else holds connections, and a scale-out or a refresh would be refused",
    }),
    runbookAlarm(identifier, "database-storage-low", {
      ...rds("FreeStorageSpace"),
      description: "Database free storage under 10 % of the allocated size (autoscaling may be at its ceiling)",
      evaluationPeriods: 2,
      comparison: "LessThanThreshold",
      threshold: storageGiB * 1024 ** 3 * 0.1,
      reason:
        "Storage autoscaling grows the volume before 10 % is left: that little free means it is at its ceiling (5 times the allocation) and writes fail next",
    }),
  ];
}

/**
 * The front door's alarms: unhealthy targets, too few healthy ones, and the load balancer's own 5xx. ELB reports
 * every minute; five minutes of it rule out one failed check or one step of a deploy.
 */
export function frontDoorAlarms(
  namePrefix: string,
  loadBalancer: pulumi.Input<string>,
  targetGroup: pulumi.Input<string>,
  minHealthy: number,
): RunbookAlarmSpec[] {
  const elb = { namespace: "AWS/ApplicationELB", period: 60, evaluationPeriods: 5 };
  const targets = { ...elb, dimensions: { LoadBalancer: loadBalancer, TargetGroup: targetGroup } };
  return [
    runbookAlarm(namePrefix, "targets-unhealthy", {
      ...targets,
      metricName: "UnHealthyHostCount",
      description: `An app instance failed its ${HEALTH_PATH} check for 5 minutes`,
      statistic: "Maximum",
      comparison: "GreaterThanThreshold",
      threshold: 0,
      reason: "A healthy fleet has no failing target: one failing for 5 minutes is out of rotation and not coming back",
      missingData: "breaching",
    }),
    runbookAlarm(namePrefix, "targets-below-minimum", {
      ...targets,
      metricName: "HealthyHostCount",
      description: `Fewer healthy app instances than the fleet's minimum (${minHealthy}) for 5 minutes`,
      statistic: "Minimum",
      comparison: "LessThanThreshold",
      threshold: minHealthy,
      reason: "The group's minimum is the capacity the app is sized for: below it, users feel it",
      missingData: "breaching",
    }),
    runbookAlarm(namePrefix, "load-balancer-5xx", {
      ...elb,
      dimensions: { LoadBalancer: loadBalancer },
      metricName: "HTTPCode_ELB_5XX_Count",
      description:
        "The load balancer itself answered 5xx (no healthy target, or targets refusing) more than 10 times a minute for 5 minutes",
      statistic: "Sum",
      comparison: "GreaterThanThreshold",
      threshold: 10,
      reason: "A few 5xx a minute come with any refresh or scale-in; more than 10, sustained, means no target answers",
      missingData: "notBreaching",
    }),
  ];
}
