/** GuardDuty: a detector with explicit features (or the account's existing one), findings routed to the page topic. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsNames } from "../../monitoring-config/contract";
import { alertTopicPolicy } from "../policy-documents";
import { scopedDocument, type BaselineContext } from "./context";

/**
 * GuardDuty's EC2 runtime monitoring (and its automated agent management), in every stack: off, since nothing
 * here could be covered (see `guardDuty` below). `npm run verify` reads the detector, not this.
 */
export const EC2_RUNTIME_MONITORING: "ENABLED" | "DISABLED" = "DISABLED";

/** The detector's features, each stated explicitly (a feature left out keeps whatever the account had). */
const FEATURES: { name: string; status: "ENABLED" | "DISABLED"; additional?: string[] }[] = [
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

/** The detector (created, or adopted by id) and the rule that routes its findings to the page topic. */
export function guardDuty(ctx: BaselineContext, topic: aws.sns.Topic) {
  const { name, args, child } = ctx;
  const sec = args.security;
  let detectorId: pulumi.Output<string>;
  if (sec.guardDutyExistingDetectorId) {
    pulumi.log.info(
      `GuardDuty: adopting existing detector ${sec.guardDutyExistingDetectorId} (guardDutyExistingDetectorId); its features are managed where it was created.`,
      child.parent,
    );
    detectorId = pulumi.output(sec.guardDutyExistingDetectorId);
  } else {
    // Protected and retained in prod: deleting the detector discards its findings.
    const detector = new aws.guardduty.Detector(
      `${name}-guardduty`,
      { enable: true, findingPublishingFrequency: sec.guardDutyFindingFrequency, tags: args.tags },
      ctx.audit,
    );
    for (const f of FEATURES) {
      new aws.guardduty.DetectorFeature(
        `${name}-guardduty-${f.name.toLowerCase().replace(/_/g, "-")}`,
        {
          detectorId: detector.id,
          name: f.name,
          status: f.status,
          additionalConfigurations: (f.additional ?? []).map((a) => ({ name: a, status: f.status })),
        },
        child,
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
    child,
  );
  const pageEventRules = args.pageEventRules ?? [];
  new aws.sns.TopicPolicy(
    `${name}-alerts`,
    {
      arn: topic.arn,
      policy: scopedDocument(ctx, { topicArn: topic.arn, findingsRuleArn: findingsRule.arn }, (s, v) => {
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
    child,
  );
  new aws.cloudwatch.EventTarget(
    `${name}-guardduty-findings`,
    { rule: findingsRule.name, arn: topic.arn, targetId: "alert-topic" },
    child,
  );
  return { detectorId, findingsRule };
}
