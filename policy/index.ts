/**
 * CrossGuard policy pack: `pulumi preview --policy-pack policy`. The policies live in one module per resource
 * family (audit, buckets, network, compute, load-balancer, database), composed by policies.ts, as plain objects
 * so that tests run them against the program's resources without the Pulumi engine.
 */
import { PolicyPack } from "@pulumi/policy";
import { resourcePolicies, stackPolicies } from "./policies";

new PolicyPack("observed-app-baseline", {
  policies: [...resourcePolicies, ...stackPolicies],
});
