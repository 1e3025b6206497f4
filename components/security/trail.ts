/**
 * CloudTrail: its CMK, the access-log and trail buckets, the CloudWatch Logs group (which the CIS metric filters
 * read) and its delivery role, and the trail itself.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { hardenBucket } from "../buckets";
import {
  accessLogBucketPolicy,
  trailArnOf,
  trailBucketPolicy,
  trailKeyPolicy,
  trailLogGroupNameOf,
} from "../policy-documents";
import { scopedDocument, serviceRole, type BaselineContext, type Condition } from "./context";

/** The trail, its bucket and its log group. */
export function auditTrail(ctx: BaselineContext) {
  const { name, args, audit, child } = ctx;
  const sec = args.security;
  const tags = args.tags;
  // Named trail: its ARN is known before it exists, so the policies can name it without a cycle.
  const trailName = `${args.namePrefix}-trail`;
  const trailArn = ctx.scope.apply((s) => trailArnOf(s, trailName));

  const trailKey = new aws.kms.Key(
    `${name}-trail-key`,
    {
      description: `CloudTrail ${trailName}: log files and log group`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: scopedDocument(ctx, trailArn, trailKeyPolicy),
      tags,
    },
    audit,
  );
  new aws.kms.Alias(`${name}-trail-key`, { name: `alias/${trailName}`, targetKeyId: trailKey.keyId }, child);

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
      policy: scopedDocument(ctx, { logBucketArn: logBucket.arn, trailBucketArn: bucket.arn }, accessLogBucketPolicy),
    },
    audit,
  );
  const bucketPolicy = new aws.s3.BucketPolicy(
    `${name}-trail`,
    { bucket: bucket.id, policy: scopedDocument(ctx, { bucketArn: bucket.arn, trailArn }, trailBucketPolicy) },
    { ...audit, dependsOn: [logBucketPolicy] },
  );

  // CloudTrail → CloudWatch Logs (the CIS metric filters read this group).
  const logGroupName = trailLogGroupNameOf(trailName);
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-trail`,
    { name: logGroupName, retentionInDays: sec.trailLogRetentionDays, kmsKeyId: trailKey.arn, tags },
    audit,
  );
  const delivery = serviceRole(ctx, `${name}-trail-logs`, {
    service: "cloudtrail.amazonaws.com",
    condition: trailArn.apply((arn): Condition => ({ StringEquals: { "aws:SourceArn": arn } })),
    actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
    resources: ctx.scope.apply(
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
