/**
 * Mock-level (policies run without the Pulumi engine): vpc-default-security-group-no-rules, issue 24's CIS 5.4
 * finding. Each VPC's default group must be adopted with ingress and egress declared empty, and nothing may add
 * a rule to it.
 */
import { describe, expect, it } from "vitest";
import { runPolicies, type PolicyInput } from "./policy-run";

const VPC = "aws:ec2/vpc:Vpc";
const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const vpc = (name: string): PolicyInput => ({ type: VPC, name, inputs: { cidrBlock: "10.0.0.0/16" } });
/** The default group of VPC `of`, adopted with `inputs`. */
const defaultSg = (of: string, inputs: Record<string, unknown>): PolicyInput => ({
  type: DEFAULT_SG,
  name: `${of}-default`,
  inputs: { vpcId: `${of}-id`, ...inputs },
  propertyDeps: { vpcId: [`${VPC}::${of}`] },
});
const violations = async (resources: PolicyInput[]) =>
  (await runPolicies(resources)).filter((v) => v.startsWith("vpc-default-security-group-no-rules"));

describe("vpc-default-security-group-no-rules (mock-level)", () => {
  it("passes a VPC whose default group is adopted with no rules", async () => {
    expect(await violations([vpc("a"), defaultSg("a", { ingress: [], egress: [] })])).toEqual([]);
  });

  it("fails a VPC whose default group is not managed, even beside another VPC's", async () => {
    expect(await violations([vpc("a"), vpc("b"), defaultSg("b", { ingress: [], egress: [] })])).toEqual([
      "vpc-default-security-group-no-rules: VPC a: its default security group is not managed: AWS's allow rules stay on it",
    ]);
  });

  it("fails a default group that keeps AWS's rules or leaves a set undeclared (unmanaged: drift is not revoked)", async () => {
    const allowAll = { protocol: "-1", fromPort: 0, toPort: 0 };
    expect(await violations([vpc("a"), defaultSg("a", { ingress: [{ ...allowAll, self: true }] })])).toEqual([
      "vpc-default-security-group-no-rules: default security group a-default: 1 ingress rule(s); it must have none",
      "vpc-default-security-group-no-rules: default security group a-default: egress must be declared empty ([]) to stay managed",
    ]);
  });

  it("fails a standalone rule that targets the default group", async () => {
    const rule: PolicyInput = {
      type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      name: "sneaky",
      inputs: { securityGroupId: "a-default-id", ipProtocol: "tcp", fromPort: 22, toPort: 22 },
      propertyDeps: { securityGroupId: [`${DEFAULT_SG}::a-default`] },
    };
    expect(await violations([vpc("a"), defaultSg("a", { ingress: [], egress: [] }), rule])).toEqual([
      "vpc-default-security-group-no-rules: rule sneaky targets default security group a-default; it must have no rules",
    ]);
  });
});
