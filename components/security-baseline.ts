import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CIS_NAMESPACE } from "../monitoring-config/contract";
import type { NotificationTopics, SecurityBaselineArgs } from "./security/args";
import { cisAlarms } from "./security/cis";
import type { BaselineContext } from "./security/context";
import { flowLogs } from "./security/flow-logs";
import { guardDuty } from "./security/guardduty";
import { alertTopics } from "./security/notifications";
import { auditTrail } from "./security/trail";

export type { AuditArgs, NotificationTopics, SecurityBaselineArgs } from "./security/args";
export { EC2_RUNTIME_MONITORING } from "./security/guardduty";
export { CIS_NAMESPACE };

/**
 * The account's audit and detection layer for one stack: CloudTrail (multi-region, validated, KMS-encrypted
 * bucket with access logging, CloudWatch Logs and the 15 CIS metric-filter alarms), the alert SNS topic
 * (CMK-encrypted), GuardDuty with its findings routed to the topic, VPC Flow Logs, and account hardening.
 * The constructor composes focused builders (components/security/); every policy document comes from
 * components/policy-documents.ts.
 */
export class SecurityBaseline extends pulumi.ComponentResource {
  /** The notification topics (ARNs) and their key: what Alertmanager publishes to. */
  public readonly topics: NotificationTopics<pulumi.Output<string>>;
  public readonly trailName: pulumi.Output<string>;
  public readonly trailBucketName: pulumi.Output<string>;
  public readonly guardDutyDetectorId: pulumi.Output<string>;
  public readonly guardDutyRuleName: pulumi.Output<string>;
  public readonly logGroupNames: pulumi.Output<{ trail: string; flowLogs: string }>;

  constructor(name: string, args: SecurityBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observed-app:index:SecurityBaseline", name, {}, opts);
    const child = { parent: this };
    const ctx: BaselineContext = {
      name,
      args,
      child,
      audit: args.keepData ? { parent: this, protect: true, retainOnDelete: true } : { parent: this },
      scope: pulumi
        .all([aws.getPartitionOutput({}, child).partition, aws.getCallerIdentityOutput({}, child).accountId])
        .apply(([partition, account]) => ({ partition, account, region: args.region })),
    };

    const trail = auditTrail(ctx);
    const alerts = alertTopics(ctx);
    const detection = guardDuty(ctx, alerts.topic);
    cisAlarms(ctx, trail.logGroup, alerts.topic);
    const flowLogGroup = flowLogs(ctx);
    if (args.security.manageAccountSettings) this.accountSettings(name);

    this.topics = {
      page: alerts.topic.arn,
      ticket: alerts.tickets.arn,
      heartbeat: alerts.heartbeat.arn,
      keyArn: alerts.topicKey.arn,
    };
    this.trailName = trail.trail.name;
    this.trailBucketName = trail.bucket.bucket;
    this.guardDutyDetectorId = detection.detectorId;
    this.guardDutyRuleName = detection.findingsRule.name;
    this.logGroupNames = pulumi.output({ trail: trail.logGroup.name, flowLogs: flowLogGroup.name });
    this.registerOutputs({
      alertTopicArn: this.topics.page,
      trailName: this.trailName,
      trailBucketName: this.trailBucketName,
      guardDutyDetectorId: this.guardDutyDetectorId,
      logGroupNames: this.logGroupNames,
    });
  }

  /**
   * Account/region singletons (one stack per account should own them). Retained when the stack is destroyed:
   * tearing down a stack must never switch off account-wide EBS encryption or the S3 public access block.
   */
  private accountSettings(name: string): void {
    const kept = { parent: this, retainOnDelete: true };
    new aws.ebs.EncryptionByDefault(`${name}-ebs-encryption`, { enabled: true }, kept);
    new aws.s3.AccountPublicAccessBlock(
      `${name}-s3-public-access`,
      { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      kept,
    );
  }
}
