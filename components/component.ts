import type * as pulumi from "@pulumi/pulumi";
import { ComponentResource } from "@pulumi/pulumi";

/**
 * The base of the builder-style components: the constructor keeps the component's name, its args and the options
 * of its children, and composes focused private builders that read them.
 */
export abstract class BuiltComponent<A> extends ComponentResource {
  /** The component's name: each child is named `${componentName}-<role>`. */
  protected readonly componentName: string;
  protected readonly args: A;
  /** The options of a child: `{ parent: this }`, plus what the component adds (e.g. aliases). */
  protected readonly child: pulumi.CustomResourceOptions & { parent: pulumi.Resource };

  protected constructor(
    type: string,
    name: string,
    args: A,
    opts?: pulumi.ComponentResourceOptions,
    childOpts: pulumi.CustomResourceOptions = {},
  ) {
    super(type, name, {}, opts);
    this.componentName = name;
    this.args = args;
    this.child = { ...childOpts, parent: this };
  }
}

/** What the fleet tier's components (Database, FrontDoor, AppFleet) share: their place in the stack, whom they page. */
export interface FleetPartArgs {
  /** Prefix of the names AWS sees: `${project}-${stack}`. */
  readonly namePrefix: string;
  /** The stack's VPC. */
  readonly vpcId: pulumi.Input<string>;
  /** Keep data (prod): each component says what it keeps. */
  readonly keepData: boolean;
  /** The page topic (SNS) its alarms and events notify. */
  readonly pageTopicArn: pulumi.Input<string>;
  /** Tags of every resource that takes tags. */
  readonly tags: Record<string, string>;
}
