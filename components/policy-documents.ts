/**
 * The resource and key policies of the SecurityBaseline as pure functions: plain strings in, a policy document
 * out. The component feeds them its resolved ARNs; tests call them directly (tests/infra/iam-simulation.test.ts
 * evaluates them with an IAM simulator). What each statement is for, and why it is scoped as it is, follows
 * ../shared/reference/aws-security-facts.md.
 */
import type * as aws from "@pulumi/aws";

type PolicyDocument = aws.iam.PolicyDocument;
type Statement = aws.iam.PolicyStatement;

/** Where the stack runs: the ARN partition, the account and the region. */
export interface Scope {
  partition: string;
  account: string;
  region: string;
}

export const accountRoot = (s: Scope): string => `arn:${s.partition}:iam::${s.account}:root`;
export const trailArnOf = (s: Scope, trailName: string): string =>
  `arn:${s.partition}:cloudtrail:${s.region}:${s.account}:trail/${trailName}`;
export const trailLogGroupNameOf = (trailName: string): string => `/aws/cloudtrail/${trailName}`;

const doc = (Statement: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

/** A KMS key policy: the account administers the key (as AWS's default policy does), plus the given grants. */
function keyPolicy(s: Scope, grants: Statement[]): PolicyDocument {
  return doc([
    { Sid: "AccountAdmin", Effect: "Allow", Principal: { AWS: accountRoot(s) }, Action: "kms:*", Resource: "*" },
    ...grants,
  ]);
}

/** Deny every request to a bucket that does not use TLS. */
export function denyInsecureTransport(bucketArn: string): Statement {
  return {
    Sid: "TLSOnly",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** The trail's CMK: CloudTrail encrypts log files (for this trail only), CloudWatch Logs its log group. */
export function trailKeyPolicy(s: Scope, trailArn: string): PolicyDocument {
  const cloudtrail = { Service: "cloudtrail.amazonaws.com" };
  return keyPolicy(s, [
    {
      Sid: "CloudTrailEncryptLogs",
      Effect: "Allow",
      Principal: cloudtrail,
      Action: "kms:GenerateDataKey*",
      Resource: "*",
      Condition: {
        StringLike: {
          "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${s.partition}:cloudtrail:*:${s.account}:trail/*`,
        },
        StringEquals: { "aws:SourceArn": trailArn },
      },
    },
    { Sid: "CloudTrailDescribeKey", Effect: "Allow", Principal: cloudtrail, Action: "kms:DescribeKey", Resource: "*" },
    {
      // The bucket uses an S3 Bucket Key: CloudTrail needs Decrypt to create and update the trail.
      Sid: "CloudTrailBucketKey",
      Effect: "Allow",
      Principal: cloudtrail,
      Action: "kms:Decrypt",
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceArn": trailArn } },
    },
    {
      Sid: "AccountReadsLogFiles",
      Effect: "Allow",
      Principal: { AWS: accountRoot(s) },
      Action: ["kms:Decrypt", "kms:ReEncryptFrom"],
      Resource: "*",
      Condition: { Null: { "kms:EncryptionContext:aws:cloudtrail:arn": "false" } },
    },
    {
      Sid: "CloudWatchLogsEncryptTrailGroup",
      Effect: "Allow",
      Principal: { Service: `logs.${s.region}.amazonaws.com` },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Resource: "*",
      Condition: {
        ArnLike: {
          "kms:EncryptionContext:aws:logs:arn": `arn:${s.partition}:logs:${s.region}:${s.account}:log-group:*`,
        },
      },
    },
  ]);
}

/** The access-log bucket: S3 server access logging of the trail bucket may write under trail-bucket/. */
export function accessLogBucketPolicy(s: Scope, a: { logBucketArn: string; trailBucketArn: string }): PolicyDocument {
  return doc([
    {
      Sid: "S3ServerAccessLogs",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${a.logBucketArn}/trail-bucket/*`,
      Condition: { ArnLike: { "aws:SourceArn": a.trailBucketArn }, StringEquals: { "aws:SourceAccount": s.account } },
    },
    denyInsecureTransport(a.logBucketArn),
  ]);
}

/** The trail bucket: this trail (only) checks the ACL and writes under AWSLogs/<account>/. */
export function trailBucketPolicy(s: Scope, a: { bucketArn: string; trailArn: string }): PolicyDocument {
  const cloudtrail = { Service: "cloudtrail.amazonaws.com" };
  return doc([
    {
      Sid: "CloudTrailAclCheck",
      Effect: "Allow",
      Principal: cloudtrail,
      Action: "s3:GetBucketAcl",
      Resource: a.bucketArn,
      Condition: { StringEquals: { "aws:SourceArn": a.trailArn } },
    },
    {
      Sid: "CloudTrailWrite",
      Effect: "Allow",
      Principal: cloudtrail,
      Action: "s3:PutObject",
      Resource: `${a.bucketArn}/AWSLogs/${s.account}/*`,
      Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": a.trailArn } },
    },
    denyInsecureTransport(a.bucketArn),
  ]);
}

/** The alert topic's CMK: CloudWatch alarms and EventBridge of this account may publish through it. */
export function alertTopicKeyPolicy(s: Scope): PolicyDocument {
  return keyPolicy(s, [
    {
      Sid: "AlarmAndEventPublishers",
      Effect: "Allow",
      Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": s.account } },
    },
  ]);
}

/** The alert topic: this account's alarms and the GuardDuty findings rule may publish, over TLS only. */
export function alertTopicPolicy(s: Scope, a: { topicArn: string; findingsRuleArn: string }): PolicyDocument {
  const publish = { Action: "sns:Publish", Resource: a.topicArn };
  return doc([
    {
      Sid: "CloudWatchAlarms",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      ...publish,
      Condition: { ArnLike: { "aws:SourceArn": `arn:${s.partition}:cloudwatch:${s.region}:${s.account}:alarm:*` } },
    },
    {
      Sid: "GuardDutyFindingsRule",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      ...publish,
      Condition: { ArnEquals: { "aws:SourceArn": a.findingsRuleArn } },
    },
    {
      Sid: "TLSOnly",
      Effect: "Deny",
      Principal: "*",
      ...publish,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ]);
}

/** A topic only identities of the account publish to (through IAM), over TLS only. */
export function tlsOnlyTopicPolicy(topicArn: string): PolicyDocument {
  return doc([
    {
      Sid: "TLSOnly",
      Effect: "Deny",
      Principal: "*",
      Action: "sns:Publish",
      Resource: topicArn,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ]);
}

/** Trust policy of a role only `service` may assume, scoped by `condition`. */
export function serviceTrustPolicy(service: string, condition: Record<string, Record<string, string>>): PolicyDocument {
  return doc([{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: condition }]);
}

/** One Allow statement. */
export const allowPolicy = (actions: string[], resources: string | string[]): PolicyDocument =>
  doc([{ Effect: "Allow", Action: actions, Resource: resources }]);

/**
 * The monitoring host's role: EC2 discovery for Prometheus, publishing to the three alert topics (and their
 * key) for Alertmanager, and CloudWatch reads for Grafana. Log reads are scoped to the app's log group, the
 * only one Grafana shows: the CloudTrail and flow-log groups (the account's audit trail) stay out of reach of
 * a host that serves web UIs. DescribeLogGroups (names only), GetQueryResults and StopQuery (by query id, for
 * queries this role could start) take no resource scope.
 */
export function monitoringRolePolicy(a: {
  topicArns: string[];
  topicKeyArn: string;
  appLogGroupArn: string;
  /** The managed workspace (long-term storage): remote write, and Grafana's queries. */
  workspaceArn?: string;
}): PolicyDocument {
  return doc([
    ...(a.workspaceArn
      ? [
          {
            Sid: "ManagedPrometheusWrite",
            Effect: "Allow" as const,
            Action: "aps:RemoteWrite",
            Resource: a.workspaceArn,
          },
          {
            Sid: "ManagedPrometheusQuery",
            Effect: "Allow" as const,
            Action: ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"],
            Resource: a.workspaceArn,
          },
        ]
      : []),
    {
      Sid: "Ec2Discovery",
      Effect: "Allow",
      Action: ["ec2:DescribeInstances", "ec2:DescribeAvailabilityZones"],
      Resource: "*",
    },
    { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: a.topicArns },
    { Sid: "AlertTopicKey", Effect: "Allow", Action: ["kms:GenerateDataKey*", "kms:Decrypt"], Resource: a.topicKeyArn },
    {
      Sid: "GrafanaCloudWatch",
      Effect: "Allow",
      Action: [
        "cloudwatch:GetMetricData",
        "cloudwatch:ListMetrics",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:DescribeAlarmsForMetric",
        "cloudwatch:GetMetricStatistics",
        "logs:DescribeLogGroups",
        "logs:GetQueryResults",
        "logs:StopQuery",
        "tag:GetResources",
        "ec2:DescribeRegions",
      ],
      Resource: "*",
    },
    {
      Sid: "GrafanaAppLogs",
      Effect: "Allow",
      Action: ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery"],
      Resource: [a.appLogGroupArn, `${a.appLogGroupArn}:*`],
    },
  ]);
}

/**
 * The load balancer's access-log bucket: Elastic Load Balancing writes under AWSLogs/<account>/. Regions that
 * opened before August 2022 deliver as the region's ELB account (`elbAccountArn`, from aws.elb.getServiceAccount);
 * newer ones as the log-delivery service principal. Both are admitted, for this account's prefix only.
 */
export function loadBalancerLogBucketPolicy(s: Scope, a: { bucketArn: string; elbAccountArn: string }): PolicyDocument {
  const resource = `${a.bucketArn}/AWSLogs/${s.account}/*`;
  return doc([
    {
      Sid: "ElbAccountWrites",
      Effect: "Allow",
      Principal: { AWS: a.elbAccountArn },
      Action: "s3:PutObject",
      Resource: resource,
    },
    {
      Sid: "ElbLogDelivery",
      Effect: "Allow",
      Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: resource,
    },
    denyInsecureTransport(a.bucketArn),
  ]);
}

/**
 * An app instance of the fleet: pull its images, write its own log group, read its two secrets (the API token
 * and the database's RDS-managed credentials) and decrypt the latter's key only through Secrets Manager.
 * Nothing else: no SSH, no SSM, no wildcard resources but ECR's login, which takes none.
 */
export function appFleetRolePolicy(a: {
  repositoryArns: string[];
  logGroupArn: string;
  secretArns: string[];
  secretKeyArn: string;
  region: string;
}): PolicyDocument {
  return doc([
    { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    {
      Sid: "EcrPull",
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
      Resource: a.repositoryArns,
    },
    {
      Sid: "OwnLogGroup",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: [a.logGroupArn, `${a.logGroupArn}:*`],
    },
    { Sid: "ReadOwnSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: a.secretArns },
    {
      Sid: "DecryptSecretsOnly",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: a.secretKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${a.region}.amazonaws.com` } },
    },
  ]);
}
