/**
 * CrossGuard policy pack: `pulumi preview --policy-pack policy`. The policies live in policies.ts as plain
 * objects so that tests run them against the program's resources without the Pulumi engine.
 */
import { PolicyPack } from "@pulumi/policy";
import { resourcePolicies, stackPolicies } from "./policies";

new PolicyPack("observed-app-baseline", {
  policies: [...resourcePolicies, ...stackPolicies],
});
