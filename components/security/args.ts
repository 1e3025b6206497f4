/** The arguments and results SecurityBaseline and its builders share. */
import type * as pulumi from "@pulumi/pulumi";
import type { FindingFrequency } from "../config";

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
