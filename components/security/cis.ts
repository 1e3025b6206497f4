/**
 * CIS AWS Foundations Benchmark §4: CloudTrail metric filters. Patterns follow
 * ../../shared/reference/aws-security-facts.md (4.2 the SSO-safe form), except 4.1: the benchmark's own form,
 * without the reference's exclusions of log delivery and HeadBucket, since AWS Security Hub's CloudWatch.2
 * check passes only on the documented pattern. The price is an alarm on log-delivery AccessDenied noise too.
 */
import * as aws from "@pulumi/aws";
import { CIS_CONTROLS, CIS_NAMESPACE, type CisControlId } from "../../monitoring-config/contract";
import { cisAlarm, metricAlarm } from "../alarms";
import type { BaselineContext } from "./context";

/** One CIS control's metric filter: the control id, its metric name, the CloudTrail pattern. */
export interface CisFilter {
  id: string;
  name: string;
  pattern: string;
}

const anyEvent = (names: string[]) => names.map((n) => `($.eventName = ${n})`).join(" || ");
const fromSource = (source: string, names: string[]) => `{ ($.eventSource = ${source}) && (${anyEvent(names)}) }`;
const events = (names: string[]) => `{ ${anyEvent(names)} }`;

const PATTERNS: { id: CisControlId; pattern: string }[] = [
  {
    id: "4.1",
    pattern: '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
  },
  {
    id: "4.2",
    pattern:
      '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
  },
  {
    id: "4.3",
    pattern:
      '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
  },
  {
    id: "4.4",
    pattern: events([
      "DeleteGroupPolicy",
      "DeleteRolePolicy",
      "DeleteUserPolicy",
      "PutGroupPolicy",
      "PutRolePolicy",
      "PutUserPolicy",
      "CreatePolicy",
      "DeletePolicy",
      "CreatePolicyVersion",
      "DeletePolicyVersion",
      "AttachRolePolicy",
      "DetachRolePolicy",
      "AttachUserPolicy",
      "DetachUserPolicy",
      "AttachGroupPolicy",
      "DetachGroupPolicy",
    ]),
  },
  {
    id: "4.5",
    pattern: events(["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"]),
  },
  {
    id: "4.6",
    pattern: '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
  },
  {
    id: "4.7",
    pattern: fromSource("kms.amazonaws.com", ["DisableKey", "ScheduleKeyDeletion"]),
  },
  {
    id: "4.8",
    pattern: fromSource("s3.amazonaws.com", [
      "PutBucketAcl",
      "PutBucketPolicy",
      "PutBucketCors",
      "PutBucketLifecycle",
      "PutBucketReplication",
      "DeleteBucketPolicy",
      "DeleteBucketCors",
      "DeleteBucketLifecycle",
      "DeleteBucketReplication",
    ]),
  },
  {
    id: "4.9",
    pattern: fromSource("config.amazonaws.com", [
      "StopConfigurationRecorder",
      "DeleteDeliveryChannel",
      "PutDeliveryChannel",
      "PutConfigurationRecorder",
    ]),
  },
  {
    id: "4.10",
    pattern: events([
      "AuthorizeSecurityGroupIngress",
      "AuthorizeSecurityGroupEgress",
      "RevokeSecurityGroupIngress",
      "RevokeSecurityGroupEgress",
      "CreateSecurityGroup",
      "DeleteSecurityGroup",
    ]),
  },
  {
    id: "4.11",
    pattern: events([
      "CreateNetworkAcl",
      "CreateNetworkAclEntry",
      "DeleteNetworkAcl",
      "DeleteNetworkAclEntry",
      "ReplaceNetworkAclEntry",
      "ReplaceNetworkAclAssociation",
    ]),
  },
  {
    id: "4.12",
    pattern: events([
      "CreateCustomerGateway",
      "DeleteCustomerGateway",
      "AttachInternetGateway",
      "CreateInternetGateway",
      "DeleteInternetGateway",
      "DetachInternetGateway",
    ]),
  },
  {
    id: "4.13",
    pattern: events([
      "CreateRoute",
      "CreateRouteTable",
      "ReplaceRoute",
      "ReplaceRouteTableAssociation",
      "DeleteRouteTable",
      "DeleteRoute",
      "DisassociateRouteTable",
    ]),
  },
  {
    id: "4.14",
    pattern: events([
      "CreateVpc",
      "DeleteVpc",
      "ModifyVpcAttribute",
      "AcceptVpcPeeringConnection",
      "CreateVpcPeeringConnection",
      "DeleteVpcPeeringConnection",
      "RejectVpcPeeringConnection",
      "AttachClassicLinkVpc",
      "DetachClassicLinkVpc",
      "DisableVpcClassicLink",
      "EnableVpcClassicLink",
    ]),
  },
  {
    id: "4.15",
    pattern: fromSource("organizations.amazonaws.com", [
      "AcceptHandshake",
      "AttachPolicy",
      "CreateAccount",
      "CreateOrganizationalUnit",
      "CreatePolicy",
      "DeclineHandshake",
      "DeleteOrganization",
      "DeleteOrganizationalUnit",
      "DeletePolicy",
      "DetachPolicy",
      "DisablePolicyType",
      "EnablePolicyType",
      "InviteAccountToOrganization",
      "LeaveOrganization",
      "MoveAccount",
      "RemoveAccountFromOrganization",
      "UpdatePolicy",
      "UpdateOrganizationalUnit",
    ]),
  },
];

/** The filters with their metric names, which come from the contract (Grafana graphs the same names). */
export const CIS_FILTERS: CisFilter[] = PATTERNS.map((p) => ({ ...p, name: CIS_CONTROLS[p.id] }));

/** CIS §4 metric filters and alarms on the trail's log group, alarming to the page topic. */
export function cisAlarms(ctx: BaselineContext, trailLogGroup: aws.cloudwatch.LogGroup, topic: aws.sns.Topic): void {
  const { name, args, child } = ctx;
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
      child,
    );
    metricAlarm(
      `${name}-cis-${slug}`,
      cisAlarm(args.namePrefix, f.id, f.name, CIS_NAMESPACE),
      { topicArn: topic.arn, notifyOnOk: false },
      args.tags,
      child,
    );
  }
}
