/**
 * Mock-level (Pulumi mocks, no AWS) assertions for two lower findings of issue 24, for one stack:
 * - the VPC's default security group kept AWS's allow rules (CIS AWS Foundations 5.4): it is now adopted with no
 *   rules, and the policy pack refuses the stack without it;
 * - RDS logged slow statements with their bind parameters (task contents): the parameter group now sets
 *   `log_parameter_max_length` and `log_parameter_max_length_on_error` to 0 (where the stack has a database).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runStack, type StackRun } from "../../scripts/lib/program-mocks";
import type { Environment } from "../../components/config";
import { runPolicies } from "./policy-run";

const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";

/** The assertions on `stack`'s registrations (one stack per test file: the Pulumi runtime is process-global). */
export function describeLowerFindings(stack: Environment): void {
  describe(`${stack}: default security group closed, no bind parameters in RDS logs (mock-level)`, () => {
    let run: StackRun;
    beforeAll(async () => {
      run = await runStack(stack);
    }, 60_000);

    it("registers exactly one DefaultSecurityGroup, for the stack's VPC, with ingress and egress declared empty", () => {
      const vpc = run.one("aws:ec2/vpc:Vpc");
      const groups = run.byType(DEFAULT_SG);
      expect(groups).toHaveLength(1);
      const [group] = groups;
      expect(group.inputs.vpcId).toBe(`${vpc.name}-id`);
      expect(group.propertyDeps.vpcId).toEqual([vpc.key]);
      expect(group.inputs.ingress).toEqual([]);
      expect(group.inputs.egress).toEqual([]);
      const ruleTypes = [
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
      ];
      const onDefault = run.resources.filter(
        (r) => ruleTypes.includes(r.type) && (r.propertyDeps.securityGroupId ?? []).includes(group.key),
      );
      expect(onDefault).toEqual([]);
    });

    it("the policy pack passes the stack, and refuses it once the default group is no longer managed", async () => {
      expect(await runPolicies(run.resources)).toEqual([]);
      const vpc = run.one("aws:ec2/vpc:Vpc");
      expect(await runPolicies(run.resources.filter((r) => r.type !== DEFAULT_SG))).toEqual([
        `vpc-default-security-group-no-rules: VPC ${vpc.name}: its default security group is not managed: AWS's allow rules stay on it`,
      ]);
    });

    it("the database's parameter group (if any) logs no bind parameters, on slow statements or on errors", () => {
      const groups = run.byType("aws:rds/parameterGroup:ParameterGroup");
      expect(groups).toHaveLength(stack === "prod" ? 1 : 0);
      for (const g of groups) {
        const params = g.inputs.parameters as { name: string; value: string; applyMethod?: string }[];
        const byName = (name: string) => params.filter((p) => p.name === name);
        expect(byName("log_min_duration_statement")).toHaveLength(1);
        for (const name of ["log_parameter_max_length", "log_parameter_max_length_on_error"]) {
          // Dynamic parameters: applied immediately (the provider's default), no reboot.
          expect(byName(name)).toEqual([{ name, value: "0" }]);
        }
      }
    });
  });
}
