import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsNames, CIS_NAMESPACE } from "../monitoring-config/contract";
import { hardenBucket } from "./buckets";
import { CIS_FILTERS } from "./cis";
import type { FindingFrequency } from "./config";
import {
  accessLogBucketPolicy,
  alertTopicKeyPolicy,
  alertTopicPolicy,
  allowPolicy,
  serviceTrustPolicy,
  trailArnOf,
  trailBucketPolicy,
  trailKeyPolicy,
  tlsOnlyTopicPolicy,
  trailLogGroupNameOf,
  type Scope,
} from "./policy-documents";

/**
 * GuardDuty's EC2 runtime monitoring (and its automated agent management), in every stack: off, since nothing
 * here could be covered (see SecurityBaseline.guardDuty). `npm run verify` reads the detector, not this.
 */
export const EC2_RUNTIME_MONITORING: "ENABLED" | "DISABLED" = "DISABLED";

/** Retention, GuardDuty and account-level settings of the baseline. */
export interface AuditArgs {
  /** Retention of the CloudTrail log group (days; a value CloudWatch Logs accepts). */
  readonly trailLogRetentionDays: number;
  /** Retention of the VPC Flow Logs log group (days). */
  readonly flowLogRetentionDays: number;
  /** Days before trail objects in S3 expire. */
  readonly trailBucketExpireDays: number;
  /** Adopt this GuardDuty detector instead of creating one (one detector per account and region). */
  readonly guardDutyExistingDetectorId?: string;
  readonly guardDutyFindingFrequency: FindingFrequency;
  /** Findings at or above this severity go to the alert topic. */
  readonly guardDutyMinSeverity: number;
  /** Own the account-level EBS default encryption and S3 public access block. */
  readonly manageAccountSettings: boolean;
  /** Allow destroying non-empty buckets. */
  readonly forceDestroy: boolean;
}

export interface SecurityBaselineArgs {
  /** Prefix of the resource names AWS sees (trail, topic, rule): `${project}-${stack}`. */
  readonly namePrefix: string;
  readonly region: string;
  /** The stack's VPC, whose traffic the flow logs record. */
  readonly vpcId: pulumi.Input<string>;
  readonly security: AuditArgs;
  /** Keep audit data (prod): the trail bucket, its key and log group are protected and retained on delete. */
  readonly keepData: boolean;
  /**
   * Names of this stack's other EventBridge rules (same account and region) that page: the page topic's policy
   * lets each publish, by its ARN (e.g. the fleet's `refreshFailedRuleName`). None: the policy is the plain
   * `alertTopicPolicy`.
   */
  readonly pageEventRules?: readonly string[];
  /** E-mail subscribed to the alert topic (optional). */
  readonly alertEmail?: string;
  /** Tags of every resource that takes tags. */
  readonly tags: Record<string, string>;
}

export { CIS_NAMESPACE };

type Condition = Record<string, Record<string, string>>;

/** The notification topics and their CMK. */
export interface NotificationTopics<T = pulumi.Input<string>> {
  /** Pages: critical alerts, CIS alarms, GuardDuty findings, a silent heartbeat. */
  readonly page: T;
  /** Tickets: warnings. */
  readonly ticket: T;
  /** Alertmanager's Watchdog heartbeat (no human subscriber). */
  readonly heartbeat: T;
  /** The CMK the topics are encrypted with (publishers need it). */
  readonly keyArn: T;
}

/**
 * The account's audit and detection layer for one stack: CloudTrail (multi-region, validated, KMS-encrypted
 * bucket with access logging, CloudWatch Logs and the 15 CIS metric-filter alarms), the alert SNS topic
 * (CMK-encrypted), GuardDuty with its findings routed to the topic, VPC Flow Logs, and account hardening.
 * The constructor composes focused builders; every policy document comes from components/policy-documents.ts.
 */
export class SecurityBaseline extends pulumi.ComponentResource {
  /** The notification topics (ARNs) and their key: what Alertmanager publishes to. */
  public readonly topics: NotificationTopics<pulumi.Output<string>>;
  public readonly trailName: pulumi.Output<string>;
  public readonly trailBucketName: pulumi.Output<string>;
  public readonly guardDutyDetectorId: pulumi.Output<string>;
  public readonly guardDutyRuleName: pulumi.Output<string>;
  public readonly logGroupNames: pulumi.Output<{ trail: string; flowLogs: string }>;

  private readonly name: string;
  private readonly args: SecurityBaselineArgs;
  /** Audit data outlives a stack in prod: protected against deletion and kept if the stack is destroyed. */
  private readonly audit: pulumi.CustomResourceOptions;
  private readonly scope: pulumi.Output<Scope>;

  constructor(name: string, args: SecurityBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observed-app:index:SecurityBaseline", name, {}, opts);
    this.name = name;
    this.args = args;
    this.audit = args.keepData ? { parent: this, protect: true, retainOnDelete: true } : { parent: this };
    const parent = { parent: this };
    this.scope = pulumi
      .all([aws.getPartitionOutput({}, parent).partition, aws.getCallerIdentityOutput({}, parent).accountId])
      .apply(([partition, account]) => ({ partition, account, region: args.region }));

    const trail = this.auditTrail();
    const alerts = this.alertTopic();
    const guardDuty = this.guardDuty(alerts.topic);
    this.cisAlarms(trail.logGroup, alerts.topic);
    const flowLogGroup = this.flowLogs();
    if (args.security.manageAccountSettings) this.accountSettings();

    this.topics = {
      page: alerts.topic.arn,
      ticket: alerts.tickets.arn,
      heartbeat: alerts.heartbeat.arn,
      keyArn: alerts.topicKey.arn,
    };
    this.trailName = trail.trail.name;
    this.trailBucketName = trail.bucket.bucket;
    this.guardDutyDetectorId = guardDuty.detectorId;
    this.guardDutyRuleName = guardDuty.findingsRule.name;
    this.logGroupNames = pulumi.output({ trail: trail.logGroup.name, flowLogs: flowLogGroup.name });
    this.registerOutputs({
      alertTopicArn: this.topics.page,
      trailName: this.trailName,
      trailBucketName: this.trailBucketName,
      guardDutyDetectorId: this.guardDutyDetectorId,
      logGroupNames: this.logGroupNames,
    });
  }

  /** A policy document from the stack's scope and resolved inputs, as the JSON a resource takes. */
  private document<I>(inputs: I, render: (s: Scope, v: pulumi.Unwrap<I>) => object): pulumi.Output<string> {
    return pulumi
      .all([this.scope, pulumi.output(inputs)])
      .apply(([s, v]) => JSON.stringify(render(s, v as pulumi.Unwrap<I>)));
  }

  /** CloudTrail: its CMK, the access-log and trail buckets, the CloudWatch Logs group and delivery role, the trail. */
  private auditTrail() {
    const { name, args, audit } = this;
    const sec = args.security;
    const tags = args.tags;
    const parent = { parent: this };
    // Named trail: its ARN is known before it exists, so the policies can name it without a cycle.
    const trailName = `${args.namePrefix}-trail`;
    const trailArn = this.scope.apply((s) => trailArnOf(s, trailName));

    const trailKey = new aws.kms.Key(
      `${name}-trail-key`,
      {
        description: `CloudTrail ${trailName}: log files and log group`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: this.document(trailArn, trailKeyPolicy),
        tags,
      },
      audit,
    );
    new aws.kms.Alias(`${name}-trail-key`, { name: `alias/${trailName}`, targetKeyId: trailKey.keyId }, parent);

    // Access-log bucket (server access logging target; SSE-S3, the only encryption S3 logging supports).
    const logBucket = new aws.s3.Bucket(
      `${name}-access-logs`,
      { forceDestroy: sec.forceDestroy, tags: { ...tags, Purpose: "s3-access-logs" } },
      audit,
    );
    hardenBucket(`${name}-access-logs`, logBucket, { sseAlgorithm: "AES256" }, sec.trailBucketExpireDays, audit);
    const bucket = new aws.s3.Bucket(
      `${name}-trail`,
      { forceDestroy: sec.forceDestroy, tags: { ...tags, Purpose: "cloudtrail" } },
      audit,
    );
    hardenBucket(
      `${name}-trail`,
      bucket,
      { sseAlgorithm: "aws:kms", kmsMasterKeyId: trailKey.arn },
      sec.trailBucketExpireDays,
      audit,
      true,
    );
    new aws.s3.BucketLogging(
      `${name}-trail`,
      { bucket: bucket.id, targetBucket: logBucket.id, targetPrefix: "trail-bucket/" },
      audit,
    );
    const logBucketPolicy = new aws.s3.BucketPolicy(
      `${name}-access-logs`,
      {
        bucket: logBucket.id,
        policy: this.document({ logBucketArn: logBucket.arn, trailBucketArn: bucket.arn }, accessLogBucketPolicy),
      },
      audit,
    );
    const bucketPolicy = new aws.s3.BucketPolicy(
      `${name}-trail`,
      { bucket: bucket.id, policy: this.document({ bucketArn: bucket.arn, trailArn }, trailBucketPolicy) },
      { ...audit, dependsOn: [logBucketPolicy] },
    );

    // CloudTrail → CloudWatch Logs (the CIS metric filters read this group).
    const logGroupName = trailLogGroupNameOf(trailName);
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-trail`,
      { name: logGroupName, retentionInDays: sec.trailLogRetentionDays, kmsKeyId: trailKey.arn, tags },
      audit,
    );
    const delivery = this.serviceRole(`${name}-trail-logs`, {
      service: "cloudtrail.amazonaws.com",
      condition: trailArn.apply((arn): Condition => ({ StringEquals: { "aws:SourceArn": arn } })),
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: this.scope.apply(
        (s) =>
          `arn:${s.partition}:logs:${s.region}:${s.account}:log-group:${logGroupName}:log-stream:${s.account}_CloudTrail_${s.region}*`,
      ),
    });

    const trail = new aws.cloudtrail.Trail(
      `${name}-trail`,
      {
        name: trailName,
        s3BucketName: bucket.id,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        enableLogging: true,
        kmsKeyId: trailKey.arn,
        cloudWatchLogsGroupArn: pulumi.interpolate`${logGroup.arn}:*`,
        cloudWatchLogsRoleArn: delivery.role.arn,
        tags,
      },
      // Created only once everything it writes through exists, else InsufficientS3BucketPolicyException & co.
      // Protected and retained in prod: deleting the trail would stop the audit record.
      { ...audit, dependsOn: [bucketPolicy, trailKey, delivery.policy, logGroup] },
    );
    return { trail, bucket, logGroup };
  }

  /**
   * The notification topics, encrypted with one customer-managed key that CloudWatch and EventBridge may use:
   * pages (`alerts`: critical alerts, CIS alarms, GuardDuty findings), tickets (warnings, so e-mail noise never
   * hides a page) and the Watchdog heartbeat, which nobody reads: an alarm pages when it falls silent.
   */
  private alertTopic() {
    const { name, args } = this;
    const parent = { parent: this };
    const topicKey = new aws.kms.Key(
      `${name}-alerts-key`,
      {
        description: `SNS topics ${awsNames.alertTopic(args.namePrefix)}, -tickets, -heartbeat`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: this.document({}, alertTopicKeyPolicy),
        tags: args.tags,
      },
      parent,
    );
    const make = (role: string, topicName: string) =>
      new aws.sns.Topic(`${name}-${role}`, { name: topicName, kmsMasterKeyId: topicKey.arn, tags: args.tags }, parent);
    const topic = make("alerts", awsNames.alertTopic(args.namePrefix));
    const tickets = make("tickets", awsNames.ticketTopic(args.namePrefix));
    const heartbeat = make("heartbeat", awsNames.heartbeatTopic(args.namePrefix));
    for (const [role, t] of [
      ["tickets", tickets],
      ["heartbeat", heartbeat],
    ] as const) {
      new aws.sns.TopicPolicy(
        `${name}-${role}`,
        { arn: t.arn, policy: this.document({ topicArn: t.arn }, (_s, v) => tlsOnlyTopicPolicy(v.topicArn)) },
        parent,
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
          parent,
        );
      }
    }
    // Dead man's switch: the heartbeat topic receives Alertmanager's Watchdog every minute; fewer than one
    // message in 15 minutes (or no data at all) pages, with no extra host to watch the watcher.
    new aws.cloudwatch.MetricAlarm(
      `${name}-heartbeat-missing`,
      {
        name: `${args.namePrefix}-monitoring-heartbeat-missing`,
        alarmDescription:
          "Alertmanager's Watchdog heartbeat stopped reaching SNS: the monitoring host, Prometheus or Alertmanager is down or cannot publish",
        namespace: "AWS/SNS",
        metricName: "NumberOfMessagesPublished",
        dimensions: { TopicName: heartbeat.name },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 3,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
        alarmActions: [topic.arn],
        okActions: [topic.arn],
        tags: args.tags,
      },
      parent,
    );
    return { topic, topicKey, tickets, heartbeat };
  }

  /** GuardDuty: a detector with explicit features (or the account's existing one), findings routed to the topic. */
  private guardDuty(topic: aws.sns.Topic) {
    const { name, args } = this;
    const sec = args.security;
    const parent = { parent: this };
    let detectorId: pulumi.Output<string>;
    if (sec.guardDutyExistingDetectorId) {
      pulumi.log.info(
        `GuardDuty: adopting existing detector ${sec.guardDutyExistingDetectorId} (guardDutyExistingDetectorId); its features are managed where it was created.`,
        this,
      );
      detectorId = pulumi.output(sec.guardDutyExistingDetectorId);
    } else {
      // Protected and retained in prod: deleting the detector discards its findings.
      const detector = new aws.guardduty.Detector(
        `${name}-guardduty`,
        { enable: true, findingPublishingFrequency: sec.guardDutyFindingFrequency, tags: args.tags },
        this.audit,
      );
      const features: { name: string; status: "ENABLED" | "DISABLED"; additional?: string[] }[] = [
        { name: "S3_DATA_EVENTS", status: "ENABLED" },
        { name: "EBS_MALWARE_PROTECTION", status: "ENABLED" },
        // EC2 runtime monitoring is off (explicitly) in every stack: it covered nothing. Its automated agent needs
        // SSM-managed instances (GuardDuty user guide, "Prerequisites for Amazon EC2 instance support"): no
        // instance role here has SSM, and the private subnets have no ssm/ssmmessages/ec2messages endpoints
        // (3 more interface endpoints x 2 zones, about $44/month, plus the per-vCPU agent charge). With agent
        // management on, GuardDuty also creates its own VPC endpoint and security group in the stack's VPC, which
        // `destroy` cannot delete (docs/runbooks.md#guardduty-runtime-monitoring). `npm run verify` reports the
        // covered instance count and fails if the feature is on while fleet instances are not covered.
        // Exclusive with EKS_RUNTIME_MONITORING.
        { name: "RUNTIME_MONITORING", status: EC2_RUNTIME_MONITORING, additional: ["EC2_AGENT_MANAGEMENT"] },
      ];
      for (const f of features) {
        new aws.guardduty.DetectorFeature(
          `${name}-guardduty-${f.name.toLowerCase().replace(/_/g, "-")}`,
          {
            detectorId: detector.id,
            name: f.name,
            status: f.status,
            additionalConfigurations: (f.additional ?? []).map((a) => ({ name: a, status: f.status })),
          },
          parent,
        );
      }
      detectorId = detector.id;
    }
    const findingsRule = new aws.cloudwatch.EventRule(
      `${name}-guardduty-findings`,
      {
        name: awsNames.guardDutyFindingsRule(args.namePrefix),
        description: `GuardDuty findings with severity >= ${sec.guardDutyMinSeverity} to the alert topic`,
        eventPattern: JSON.stringify({
          source: ["aws.guardduty"],
          "detail-type": ["GuardDuty Finding"],
          detail: { severity: [{ numeric: [">=", sec.guardDutyMinSeverity] }] },
        }),
        tags: args.tags,
      },
      parent,
    );
    const pageEventRules = args.pageEventRules ?? [];
    new aws.sns.TopicPolicy(
      `${name}-alerts`,
      {
        arn: topic.arn,
        policy: this.document({ topicArn: topic.arn, findingsRuleArn: findingsRule.arn }, (s, v) => {
          const policy = alertTopicPolicy(s, v);
          if (!pageEventRules.length) return policy;
          // Before the TLS-only Deny; the same shape as the GuardDuty rule's statement, one ARN per rule.
          // alertTopicPolicy builds plain arrays (aws.iam.PolicyDocument types them as Inputs).
          const statements = [...(policy.Statement as aws.iam.PolicyStatement[])];
          statements.splice(statements.length - 1, 0, {
            Sid: "StackEventRules",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sns:Publish",
            Resource: v.topicArn,
            Condition: {
              ArnEquals: {
                "aws:SourceArn": pageEventRules.map(
                  (r) => `arn:${s.partition}:events:${s.region}:${s.account}:rule/${r}`,
                ),
              },
            },
          });
          return { ...policy, Statement: statements };
        }),
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-guardduty-findings`,
      { rule: findingsRule.name, arn: topic.arn, targetId: "alert-topic" },
      parent,
    );
    return { detectorId, findingsRule };
  }

  /** CIS §4 metric filters and alarms on the trail's log group, alarming to the topic. */
  private cisAlarms(trailLogGroup: aws.cloudwatch.LogGroup, topic: aws.sns.Topic): void {
    const { name, args } = this;
    const parent = { parent: this };
    for (const f of CIS_FILTERS) {
      const slug = f.name.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
      new aws.cloudwatch.LogMetricFilter(
        `${name}-cis-${slug}`,
        {
          name: `${args.namePrefix}-cis-${f.name}`,
          logGroupName: trailLogGroup.name,
          pattern: f.pattern,
          metricTransformation: { name: f.name, namespace: CIS_NAMESPACE, value: "1", defaultValue: "0" },
        },
        parent,
      );
      new aws.cloudwatch.MetricAlarm(
        `${name}-cis-${slug}`,
        {
          name: `${args.namePrefix}-cis-${f.id}-${f.name}`,
          alarmDescription: `CIS AWS Foundations ${f.id}: ${f.name} seen in CloudTrail`,
          namespace: CIS_NAMESPACE,
          metricName: f.name,
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          threshold: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          alarmActions: [topic.arn],
          tags: args.tags,
        },
        parent,
      );
    }
  }

  /** VPC Flow Logs (all traffic) → CloudWatch Logs. */
  private flowLogs(): aws.cloudwatch.LogGroup {
    const { name, args, audit } = this;
    const group = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      {
        name: `/aws/vpc/${args.namePrefix}/flow-logs`,
        retentionInDays: args.security.flowLogRetentionDays,
        tags: args.tags,
      },
      audit,
    );
    const delivery = this.serviceRole(`${name}-flow-logs`, {
      service: "vpc-flow-logs.amazonaws.com",
      condition: this.scope.apply((s): Condition => ({ StringEquals: { "aws:SourceAccount": s.account } })),
      actions: [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogGroups",
        "logs:DescribeLogStreams",
      ],
      resources: pulumi.all([group.arn]).apply(([arn]) => [arn, `${arn}:*`]),
    });
    new aws.ec2.FlowLog(
      `${name}-flow-logs`,
      {
        vpcId: args.vpcId,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: group.arn,
        iamRoleArn: delivery.role.arn,
        maxAggregationInterval: 60,
        tags: args.tags,
      },
      { parent: this, dependsOn: [delivery.policy] },
    );
    return group;
  }

  /**
   * Account/region singletons (one stack per account should own them). Retained when the stack is destroyed:
   * tearing down a stack must never switch off account-wide EBS encryption or the S3 public access block.
   */
  private accountSettings(): void {
    const parent = { parent: this, retainOnDelete: true };
    new aws.ebs.EncryptionByDefault(`${this.name}-ebs-encryption`, { enabled: true }, parent);
    new aws.s3.AccountPublicAccessBlock(
      `${this.name}-s3-public-access`,
      { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      parent,
    );
  }

  /** A role only `service` may assume (scoped by `condition`), with one inline Allow policy. */
  private serviceRole(
    name: string,
    a: {
      service: string;
      condition: pulumi.Output<Condition>;
      actions: string[];
      resources: pulumi.Input<string | string[]>;
    },
  ) {
    const parent = { parent: this };
    const role = new aws.iam.Role(
      name,
      {
        assumeRolePolicy: a.condition.apply((c) => JSON.stringify(serviceTrustPolicy(a.service, c))),
        tags: this.args.tags,
      },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      name,
      {
        role: role.id,
        policy: pulumi.output(a.resources).apply((r) => JSON.stringify(allowPolicy(a.actions, r))),
      },
      parent,
    );
    return { role, policy };
  }
}
