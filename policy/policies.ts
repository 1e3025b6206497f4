/**
 * The CrossGuard policies of the pack, as plain objects so the tests can run them directly, composed from one
 * module per resource family. Resource policies look at one resource's inputs; stack policies at the whole set.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { cloudtrailSecure, logGroupRetention } from "./audit";
import { bucketEncrypted, bucketPolicyTlsOnly, bucketPublicAccessBlocked, bucketsHardened } from "./buckets";
import { autoScalingMultiAz, instancesHardened, launchTemplateHardened, noPlaintextSecrets } from "./compute";
import { databaseHardened } from "./database";
import {
  listenersHttps,
  loadBalancerHardened,
  targetGroupHealthChecked,
  webAclAttached,
  webAclRules,
} from "./load-balancer";
import {
  databasePortsFromGroupsOnly,
  securityGroupIngress,
  securityGroupRulesStandalone,
  vpcDefaultSecurityGroupClosed,
} from "./network";

export * from "./audit";
export * from "./buckets";
export * from "./compute";
export * from "./database";
export * from "./load-balancer";
export * from "./network";

export const resourcePolicies: ResourceValidationPolicy[] = [
  cloudtrailSecure,
  bucketPublicAccessBlocked,
  bucketPolicyTlsOnly,
  bucketEncrypted,
  logGroupRetention,
  securityGroupIngress,
  securityGroupRulesStandalone,
  instancesHardened,
  noPlaintextSecrets,
  loadBalancerHardened,
  targetGroupHealthChecked,
  autoScalingMultiAz,
  launchTemplateHardened,
  databaseHardened,
  webAclRules,
  databasePortsFromGroupsOnly,
];
export const stackPolicies: StackValidationPolicy[] = [
  bucketsHardened,
  listenersHttps,
  webAclAttached,
  vpcDefaultSecurityGroupClosed,
];
