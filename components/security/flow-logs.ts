/** VPC Flow Logs (all traffic) to CloudWatch Logs. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceRole, type BaselineContext, type Condition } from "./context";

/** The flow log of the stack's VPC, its log group and delivery role; returns the group. */
export function flowLogs(ctx: BaselineContext): aws.cloudwatch.LogGroup {
  const { name, args, audit } = ctx;
  const group = new aws.cloudwatch.LogGroup(
    `${name}-flow-logs`,
    {
      name: `/aws/vpc/${args.namePrefix}/flow-logs`,
      retentionInDays: args.security.flowLogRetentionDays,
      tags: args.tags,
    },
    audit,
  );
  const delivery = serviceRole(ctx, `${name}-flow-logs`, {
    service: "vpc-flow-logs.amazonaws.com",
    condition: ctx.scope.apply((s): Condition => ({ StringEquals: { "aws:SourceAccount": s.account } })),
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
    { ...ctx.child, dependsOn: [delivery.policy] },
  );
  return group;
}
