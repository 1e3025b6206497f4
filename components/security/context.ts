/**
 * What every SecurityBaseline builder works from (the component, its args, the stack's scope) and the two
 * helpers they share: a policy document rendered from that scope, and a role only one AWS service may assume.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { allowPolicy, serviceTrustPolicy, type Scope } from "../policy-documents";
import type { SecurityBaselineArgs } from "./args";

/** An IAM condition block (`{ StringEquals: { "aws:SourceArn": … } }`). */
export type Condition = Record<string, Record<string, string>>;

/** The component a builder adds its resources to, and what it needs to know. */
export interface BaselineContext {
  /** The component's name: every child is named `${name}-<role>`. */
  readonly name: string;
  readonly args: SecurityBaselineArgs;
  /** `{ parent }`: the options of a child that may be replaced or deleted freely. */
  readonly child: pulumi.CustomResourceOptions & { parent: pulumi.Resource };
  /** Audit data outlives a stack in prod: protected against deletion and kept if the stack is destroyed. */
  readonly audit: pulumi.CustomResourceOptions;
  /** The stack's partition, account and region. */
  readonly scope: pulumi.Output<Scope>;
}

/** A policy document from the stack's scope and resolved inputs, as the JSON a resource takes. */
export function scopedDocument<I>(
  ctx: BaselineContext,
  inputs: I,
  render: (s: Scope, v: pulumi.Unwrap<I>) => object,
): pulumi.Output<string> {
  return pulumi
    .all([ctx.scope, pulumi.output(inputs)])
    .apply(([s, v]) => JSON.stringify(render(s, v as pulumi.Unwrap<I>)));
}

/** A role only `service` may assume (scoped by `condition`), with one inline Allow policy. */
export function serviceRole(
  ctx: BaselineContext,
  name: string,
  a: {
    service: string;
    condition: pulumi.Output<Condition>;
    actions: string[];
    resources: pulumi.Input<string | string[]>;
  },
) {
  const role = new aws.iam.Role(
    name,
    {
      assumeRolePolicy: a.condition.apply((c) => JSON.stringify(serviceTrustPolicy(a.service, c))),
      tags: ctx.args.tags,
    },
    ctx.child,
  );
  const policy = new aws.iam.RolePolicy(
    name,
    {
      role: role.id,
      policy: pulumi.output(a.resources).apply((r) => JSON.stringify(allowPolicy(a.actions, r))),
    },
    ctx.child,
  );
  return { role, policy };
}
