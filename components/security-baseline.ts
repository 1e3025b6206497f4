import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CIS_FILTERS } from "./cis";
import type { Settings } from "./config";

type PolicyDocument = aws.iam.PolicyDocument;

export interface SecurityBaselineArgs {
  /** Prefix of the resource names AWS sees (trail, topic, rule): `${project}-${stack}`. */
  namePrefix: string;
  region: string;
  /** The stack's VPC, whose traffic the flow logs record. */
  vpcId: pulumi.Input<string>;
  /** Retention, GuardDuty and account-level settings of the stack. */
  security: Settings["security"];
  /** E-mail subscribed to the alert topic (optional). */
  alertEmail?: string;
  tags: Record<string, string>;
}

export const CIS_NAMESPACE = "CISBenchmark";

/**
 * The account's audit and detection layer for one stack: CloudTrail (multi-region, validated, KMS-encrypted
 * bucket with access logging, CloudWatch Logs and the 15 CIS metric-filter alarms), the alert SNS topic
 * (CMK-encrypted), GuardDuty with its findings routed to the topic, VPC Flow Logs, and account hardening.
 */
export class SecurityBaseline extends pulumi.ComponentResource {
  public readonly alertTopicArn: pulumi.Output<string>;
  public readonly alertTopicKeyArn: pulumi.Output<string>;
  public readonly trailName: pulumi.Output<string>;
  public readonly trailArn: pulumi.Output<string>;
  public readonly trailBucketName: pulumi.Output<string>;
  public readonly accessLogBucketName: pulumi.Output<string>;
  public readonly guardDutyDetectorId: pulumi.Output<string>;
  public readonly guardDutyRuleName: pulumi.Output<string>;
  public readonly logGroupNames: pulumi.Output<{ trail: string; flowLogs: string }>;
  /** Rendered resource policies, exposed for review and for the IAM-simulation tests. */
  public readonly policies: {
    trailBucket: pulumi.Output<string>;
    trailKey: pulumi.Output<string>;
    topic: pulumi.Output<string>;
    topicKey: pulumi.Output<string>;
  };

  constructor(name: string, args: SecurityBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observed-app:index:SecurityBaseline", name, {}, opts);
    const sec = args.security;
    const parent = { parent: this };
    // Audit data outlives a stack in prod: protected against deletion and kept if the stack is destroyed.
    const audit: pulumi.CustomResourceOptions = sec.protectAuditData
      ? { parent: this, protect: true, retainOnDelete: true }
      : { parent: this };
    const tags = args.tags;
    const identity = aws.getCallerIdentityOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent);
    const account = identity.accountId;
    const region = args.region;
    const root = pulumi.interpolate`arn:${partition.partition}:iam::${account}:root`;

    // Named trail: its ARN is known before it exists, so the policies can name it without a cycle.
    const trailName = `${args.namePrefix}-trail`;
    const trailArn = pulumi.interpolate`arn:${partition.partition}:cloudtrail:${region}:${account}:trail/${trailName}`;
    const trailLogGroupName = `/aws/cloudtrail/${trailName}`;

    // --- KMS key for the trail (bucket objects and the CloudTrail log group) ---
    const trailKeyPolicy = pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "AccountAdmin", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" },
        {
          Sid: "CloudTrailEncryptLogs",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "kms:GenerateDataKey*",
          Resource: "*",
          Condition: {
            StringLike: {
              "kms:EncryptionContext:aws:cloudtrail:arn": pulumi.interpolate`arn:${partition.partition}:cloudtrail:*:${account}:trail/*`,
            },
            StringEquals: { "aws:SourceArn": trailArn },
          },
        },
        {
          Sid: "CloudTrailDescribeKey",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "kms:DescribeKey",
          Resource: "*",
        },
        {
          // The bucket uses an S3 Bucket Key: CloudTrail needs Decrypt to create and update the trail.
          Sid: "CloudTrailBucketKey",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "kms:Decrypt",
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceArn": trailArn } },
        },
        {
          Sid: "AccountReadsLogFiles",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: ["kms:Decrypt", "kms:ReEncryptFrom"],
          Resource: "*",
          Condition: { Null: { "kms:EncryptionContext:aws:cloudtrail:arn": "false" } },
        },
        {
          Sid: "CloudWatchLogsEncryptTrailGroup",
          Effect: "Allow",
          Principal: { Service: `logs.${region}.amazonaws.com` },
          Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          Resource: "*",
          Condition: {
            ArnLike: {
              "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${partition.partition}:logs:${region}:${account}:log-group:*`,
            },
          },
        },
      ],
    } satisfies PolicyDocument);
    const trailKey = new aws.kms.Key(
      `${name}-trail-key`,
      {
        description: `CloudTrail ${trailName}: log files and log group`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: trailKeyPolicy,
        tags,
      },
      audit,
    );
    new aws.kms.Alias(`${name}-trail-key`, { name: `alias/${trailName}`, targetKeyId: trailKey.keyId }, parent);

    // --- access-log bucket (server access logging target; SSE-S3, the only encryption S3 logging supports) ---
    const logBucket = new aws.s3.Bucket(
      `${name}-access-logs`,
      { forceDestroy: sec.forceDestroy, tags: { ...tags, Purpose: "s3-access-logs" } },
      audit,
    );
    this.hardenBucket(`${name}-access-logs`, logBucket, { sseAlgorithm: "AES256" }, sec.trailBucketExpireDays, audit);

    // --- trail bucket ---
    const trailBucket = new aws.s3.Bucket(
      `${name}-trail`,
      { forceDestroy: sec.forceDestroy, tags: { ...tags, Purpose: "cloudtrail" } },
      audit,
    );
    this.hardenBucket(
      `${name}-trail`,
      trailBucket,
      { sseAlgorithm: "aws:kms", kmsMasterKeyId: trailKey.arn },
      sec.trailBucketExpireDays,
      audit,
      true,
    );
    new aws.s3.BucketLogging(
      `${name}-trail`,
      { bucket: trailBucket.id, targetBucket: logBucket.id, targetPrefix: "trail-bucket/" },
      audit,
    );
    const logBucketPolicy = new aws.s3.BucketPolicy(
      `${name}-access-logs`,
      {
        bucket: logBucket.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "S3ServerAccessLogs",
              Effect: "Allow",
              Principal: { Service: "logging.s3.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: pulumi.interpolate`${logBucket.arn}/trail-bucket/*`,
              Condition: {
                ArnLike: { "aws:SourceArn": trailBucket.arn },
                StringEquals: { "aws:SourceAccount": account },
              },
            },
            denyInsecureTransport(logBucket.arn),
          ],
        } satisfies PolicyDocument),
      },
      audit,
    );
    const trailBucketPolicyDoc = pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "CloudTrailAclCheck",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "s3:GetBucketAcl",
          Resource: trailBucket.arn,
          Condition: { StringEquals: { "aws:SourceArn": trailArn } },
        },
        {
          Sid: "CloudTrailWrite",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: pulumi.interpolate`${trailBucket.arn}/AWSLogs/${account}/*`,
          Condition: {
            StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailArn },
          },
        },
        denyInsecureTransport(trailBucket.arn),
      ],
    } satisfies PolicyDocument);
    const trailBucketPolicy = new aws.s3.BucketPolicy(
      `${name}-trail`,
      { bucket: trailBucket.id, policy: trailBucketPolicyDoc },
      { ...audit, dependsOn: [logBucketPolicy] },
    );

    // --- CloudTrail → CloudWatch Logs ---
    const trailLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-trail`,
      { name: trailLogGroupName, retentionInDays: sec.trailLogRetentionDays, kmsKeyId: trailKey.arn, tags },
      audit,
    );
    const { role: trailRole, policy: trailRolePolicy } = serviceRole(
      `${name}-trail-logs`,
      {
        service: "cloudtrail.amazonaws.com",
        condition: { StringEquals: { "aws:SourceArn": trailArn } },
        statements: [
          {
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: pulumi.interpolate`arn:${partition.partition}:logs:${region}:${account}:log-group:${trailLogGroupName}:log-stream:${account}_CloudTrail_${region}*`,
          },
        ],
        tags,
      },
      this,
    );

    const trail = new aws.cloudtrail.Trail(
      `${name}-trail`,
      {
        name: trailName,
        s3BucketName: trailBucket.id,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        enableLogging: true,
        kmsKeyId: trailKey.arn,
        cloudWatchLogsGroupArn: pulumi.interpolate`${trailLogGroup.arn}:*`,
        cloudWatchLogsRoleArn: trailRole.arn,
        tags,
      },
      // Created only once everything it writes through exists, else InsufficientS3BucketPolicyException & co.
      { parent: this, dependsOn: [trailBucketPolicy, trailKey, trailRolePolicy, trailLogGroup] },
    );

    // --- alert topic, encrypted with a customer-managed key that CloudWatch and EventBridge may use ---
    const topicKeyPolicy = pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "AccountAdmin", Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" },
        {
          Sid: "AlarmAndEventPublishers",
          Effect: "Allow",
          Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": account } },
        },
      ],
    } satisfies PolicyDocument);
    const topicKey = new aws.kms.Key(
      `${name}-alerts-key`,
      {
        description: `SNS topic ${args.namePrefix}-alerts`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: topicKeyPolicy,
        tags,
      },
      parent,
    );
    const topic = new aws.sns.Topic(
      `${name}-alerts`,
      { name: `${args.namePrefix}-alerts`, kmsMasterKeyId: topicKey.arn, tags },
      parent,
    );
    if (args.alertEmail) {
      new aws.sns.TopicSubscription(
        `${name}-alerts-email`,
        { topic: topic.arn, protocol: "email", endpoint: args.alertEmail },
        parent,
      );
    }

    // --- GuardDuty: create a detector with explicit features, or adopt the account's existing one ---
    let detectorId: pulumi.Output<string>;
    if (sec.guardDutyExistingDetectorId) {
      pulumi.log.info(
        `GuardDuty: adopting existing detector ${sec.guardDutyExistingDetectorId} (guardDutyExistingDetectorId); its features are managed where it was created.`,
        this,
      );
      detectorId = pulumi.output(sec.guardDutyExistingDetectorId);
    } else {
      const detector = new aws.guardduty.Detector(
        `${name}-guardduty`,
        { enable: true, findingPublishingFrequency: sec.guardDutyFindingFrequency, tags },
        parent,
      );
      const features: { name: string; status: "ENABLED" | "DISABLED"; additional?: string[] }[] = [
        { name: "S3_DATA_EVENTS", status: "ENABLED" },
        { name: "EBS_MALWARE_PROTECTION", status: "ENABLED" },
        // EC2 runtime agent costs per vCPU: on in prod, off (explicitly) in dev. Exclusive with EKS_RUNTIME_MONITORING.
        {
          name: "RUNTIME_MONITORING",
          status: sec.protectAuditData ? "ENABLED" : "DISABLED",
          additional: ["EC2_AGENT_MANAGEMENT"],
        },
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
    const findingsRuleName = `${args.namePrefix}-guardduty-findings`;
    const findingsRule = new aws.cloudwatch.EventRule(
      `${name}-guardduty-findings`,
      {
        name: findingsRuleName,
        description: `GuardDuty findings with severity >= ${sec.guardDutyMinSeverity} to the alert topic`,
        eventPattern: JSON.stringify({
          source: ["aws.guardduty"],
          "detail-type": ["GuardDuty Finding"],
          detail: { severity: [{ numeric: [">=", sec.guardDutyMinSeverity] }] },
        }),
        tags,
      },
      parent,
    );
    const topicPolicyDoc = pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "CloudWatchAlarms",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topic.arn,
          Condition: {
            ArnLike: {
              "aws:SourceArn": pulumi.interpolate`arn:${partition.partition}:cloudwatch:${region}:${account}:alarm:*`,
            },
          },
        },
        {
          Sid: "GuardDutyFindingsRule",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topic.arn,
          Condition: { ArnEquals: { "aws:SourceArn": findingsRule.arn } },
        },
        {
          Sid: "TLSOnly",
          Effect: "Deny",
          Principal: "*",
          Action: "sns:Publish",
          Resource: topic.arn,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    } satisfies PolicyDocument);
    new aws.sns.TopicPolicy(`${name}-alerts`, { arn: topic.arn, policy: topicPolicyDoc }, parent);
    new aws.cloudwatch.EventTarget(
      `${name}-guardduty-findings`,
      { rule: findingsRule.name, arn: topic.arn, targetId: "alert-topic" },
      parent,
    );

    // --- CIS §4 metric filters and alarms on the trail's log group ---
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
          tags,
        },
        parent,
      );
    }

    // --- VPC Flow Logs → CloudWatch Logs ---
    const flowGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      { name: `/aws/vpc/${args.namePrefix}/flow-logs`, retentionInDays: sec.flowLogRetentionDays, tags },
      audit,
    );
    const { role: flowRole, policy: flowPolicy } = serviceRole(
      `${name}-flow-logs`,
      {
        service: "vpc-flow-logs.amazonaws.com",
        condition: { StringEquals: { "aws:SourceAccount": account } },
        statements: [
          {
            Effect: "Allow",
            Action: [
              "logs:CreateLogGroup",
              "logs:CreateLogStream",
              "logs:PutLogEvents",
              "logs:DescribeLogGroups",
              "logs:DescribeLogStreams",
            ],
            Resource: [flowGroup.arn, pulumi.interpolate`${flowGroup.arn}:*`],
          },
        ],
        tags,
      },
      this,
    );
    new aws.ec2.FlowLog(
      `${name}-flow-logs`,
      {
        vpcId: args.vpcId,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: flowGroup.arn,
        iamRoleArn: flowRole.arn,
        maxAggregationInterval: 60,
        tags,
      },
      { parent: this, dependsOn: [flowPolicy] },
    );

    // --- account hardening (account/region singletons: one stack per account should own them) ---
    if (sec.manageAccountSettings) {
      new aws.ebs.EncryptionByDefault(`${name}-ebs-encryption`, { enabled: true }, parent);
      new aws.s3.AccountPublicAccessBlock(
        `${name}-s3-public-access`,
        { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        parent,
      );
    }

    this.alertTopicArn = topic.arn;
    this.alertTopicKeyArn = topicKey.arn;
    this.trailName = trail.name;
    this.trailArn = trail.arn;
    this.trailBucketName = trailBucket.bucket;
    this.accessLogBucketName = logBucket.bucket;
    this.guardDutyDetectorId = detectorId;
    this.guardDutyRuleName = findingsRule.name;
    this.logGroupNames = pulumi.output({ trail: trailLogGroup.name, flowLogs: flowGroup.name });
    this.policies = {
      trailBucket: trailBucketPolicyDoc,
      trailKey: trailKeyPolicy,
      topic: topicPolicyDoc,
      topicKey: topicKeyPolicy,
    };
    this.registerOutputs({
      alertTopicArn: this.alertTopicArn,
      trailName: this.trailName,
      trailBucketName: this.trailBucketName,
      guardDutyDetectorId: this.guardDutyDetectorId,
      logGroupNames: this.logGroupNames,
    });
  }

  /** Public access block, owner-enforced ownership, default encryption, versioning, lifecycle. */
  private hardenBucket(
    name: string,
    bucket: aws.s3.Bucket,
    sse: { sseAlgorithm: string; kmsMasterKeyId?: pulumi.Input<string> },
    expireDays: number,
    opts: pulumi.CustomResourceOptions,
    glacier = false,
  ): void {
    new aws.s3.BucketPublicAccessBlock(
      name,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      opts,
    );
    new aws.s3.BucketOwnershipControls(
      name,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      opts,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      name,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: sse, bucketKeyEnabled: sse.sseAlgorithm === "aws:kms" }],
      },
      opts,
    );
    new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
    new aws.s3.BucketLifecycleConfiguration(
      name,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "retention",
            status: "Enabled",
            filter: {},
            ...(glacier ? { transitions: [{ days: 90, storageClass: "GLACIER" }] } : {}),
            expiration: { days: expireDays },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      opts,
    );
  }
}

/** A role only `service` may assume (scoped by `condition`), with one inline policy of `statements`. */
function serviceRole(
  name: string,
  args: {
    service: string;
    condition: Record<string, Record<string, pulumi.Input<string>>>;
    statements: aws.iam.PolicyStatement[];
    tags: Record<string, string>;
  },
  parent: pulumi.Resource,
) {
  const role = new aws.iam.Role(
    name,
    {
      assumeRolePolicy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: args.service },
            Action: "sts:AssumeRole",
            Condition: args.condition,
          },
        ],
      } satisfies PolicyDocument),
      tags: args.tags,
    },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    name,
    {
      role: role.id,
      policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: args.statements } satisfies PolicyDocument),
    },
    { parent },
  );
  return { role, policy };
}

function denyInsecureTransport(bucketArn: pulumi.Input<string>): aws.iam.PolicyStatement {
  return {
    Sid: "TLSOnly",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}
