/**
 * Security groups: what may face the internet, rules declared standalone, database ports from groups only, every
 * VPC's default group managed with no rules.
 */
import type { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { DEFAULT_PORTS } from "../monitoring-config/contract";
import { listOf, mandatory, type Props } from "./define";

/**
 * Ports that may face 0.0.0.0/0 by default: the app's default public port (and HTTP/HTTPS for a TLS front). A stack
 * with another `appPort` passes its own list as policy config: `--policy-pack-config` with
 * `{"sg-world-ingress-only-public-ports": {"publicPorts": [8080, 80, 443]}}`.
 */
export const PUBLIC_PORTS = [DEFAULT_PORTS.app, 80, 443];
const WORLD = ["0.0.0.0/0", "::/0"];

function portsOpenToWorld(rule: Props): [number, number] | null {
  const cidrs = [
    ...((rule.cidrBlocks as string[] | undefined) ?? []),
    ...((rule.ipv6CidrBlocks as string[] | undefined) ?? []),
    ...(rule.cidrIpv4 ? [rule.cidrIpv4 as string] : []),
    ...(rule.cidrIpv6 ? [rule.cidrIpv6 as string] : []),
  ];
  if (!cidrs.some((c) => WORLD.includes(c))) return null;
  return [Number(rule.fromPort ?? 0), Number(rule.toPort ?? 65535)];
}

export const securityGroupIngress = mandatory(
  "sg-world-ingress-only-public-ports",
  `Ingress from 0.0.0.0/0 or ::/0 only on the app's public ports (policy config publicPorts; default ${PUBLIC_PORTS.join(", ")}).`,
  (type, p, report, args) => {
    const configured = args.getConfig?.<{ publicPorts?: number[] }>()?.publicPorts;
    const allowed = configured && configured.length > 0 ? configured : PUBLIC_PORTS;
    const rules: Props[] = [];
    if (type === "aws:ec2/securityGroup:SecurityGroup") rules.push(...(((p.ingress as Props[]) ?? []) as Props[]));
    if (type === "aws:ec2/securityGroupRule:SecurityGroupRule" && p.type === "ingress") rules.push(p);
    if (type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") rules.push(p);
    for (const r of rules) {
      const open = portsOpenToWorld(r);
      if (!open) continue;
      const [from, to] = open;
      if (String(r.protocol ?? r.ipProtocol) === "-1" || from !== to || !allowed.includes(from)) {
        report(
          `ingress from the internet on ports ${from}-${to} (${String(r.protocol ?? r.ipProtocol)}); only ${allowed.join(", ")} may be public`,
        );
      }
    }
  },
  {
    configSchema: {
      properties: {
        publicPorts: { type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, default: PUBLIC_PORTS },
      },
    },
  },
);

/**
 * Security group rules are standalone resources, never inline. Upstream (terraform-provider-aws v6,
 * internal/service/ec2/vpc_security_group.go) `ingress` and `egress` are attribute-as-blocks sets: declared at
 * all (even `[]`), the set is managed whole, Read puts every rule found on the group into state, and the next
 * `up` after a refresh revokes the ones declared elsewhere (aws.vpc.SecurityGroupIngressRule/EgressRule). The
 * mix cannot be checked here reliably: a stack policy sees outputs, where `ingress`/`egress` are always present
 * (read back from AWS), so the rule is on inputs: no inline rules at all, which rules the mix out.
 */
export const securityGroupRulesStandalone = mandatory(
  "sg-rules-standalone-only",
  "Security groups declare no inline ingress or egress (not even []): every rule is an aws.vpc.SecurityGroupIngressRule or SecurityGroupEgressRule, so no group both manages its rule set and gets rules from elsewhere.",
  (type, p, report) => {
    if (type !== "aws:ec2/securityGroup:SecurityGroup") return;
    for (const direction of ["ingress", "egress"] as const) {
      if (p[direction] === undefined) continue;
      report(
        `inline ${direction} (${JSON.stringify(p[direction]).slice(0, 60)}) makes the group manage its whole ${direction} set: ` +
          `a standalone rule on it is read back at refresh and revoked by the next up; declare each rule as a standalone resource`,
      );
    }
  },
);

/** Database ports: reachable from security groups (the app's), never from address ranges. */
export const DATABASE_PORTS = [5432, 3306, 1433, 1521];

export const databasePortsFromGroupsOnly = mandatory(
  "db-ports-from-security-groups-only",
  `Ingress on database ports (${DATABASE_PORTS.join(", ")}) comes from security groups, never from CIDR ranges.`,
  (type, p, report) => {
    const rules: Props[] = [];
    if (type === "aws:ec2/securityGroup:SecurityGroup") rules.push(...listOf(p.ingress));
    if (type === "aws:ec2/securityGroupRule:SecurityGroupRule" && p.type === "ingress") rules.push(p);
    if (type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") rules.push(p);
    for (const r of rules) {
      const from = Number(r.fromPort ?? 0);
      const to = Number(r.toPort ?? 65535);
      const cidrs = [...listOf(r.cidrBlocks), ...listOf(r.ipv6CidrBlocks), r.cidrIpv4, r.cidrIpv6].filter(Boolean);
      if (cidrs.length > 0 && DATABASE_PORTS.some((port) => port >= from && port <= to)) {
        report(`database port open to ${cidrs.join(", ")}: admit the client's security group instead`);
      }
    }
  },
);

const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const STANDALONE_RULES = [
  "aws:ec2/securityGroupRule:SecurityGroupRule",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
];

/** Whether `r`'s `property` came from `source` (the dependency the engine records), or carries its `id`. */
const takes = (r: PolicyResource, property: string, source: PolicyResource): boolean =>
  (r.propertyDependencies?.[property] ?? []).some((d) => d.urn === source.urn) ||
  (source.props.id !== undefined && r.props[property] === source.props.id);

/**
 * CIS AWS Foundations 5.4: the default security group of every VPC in the stack restricts all traffic. Each VPC's
 * default group is adopted (aws.ec2.DefaultSecurityGroup, whose `vpcId` came from the VPC) with `ingress` and
 * `egress` declared empty: adopting it revokes AWS's allow rules, and a declared set is managed whole, so a rule
 * added outside the program is revoked by the next `up`. No standalone rule may target it either.
 */
export const vpcDefaultSecurityGroupClosed: StackValidationPolicy = {
  name: "vpc-default-security-group-no-rules",
  description:
    "Every VPC's default security group is managed (aws.ec2.DefaultSecurityGroup) with ingress and egress declared empty, and no standalone rule targets it (CIS AWS Foundations 5.4).",
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    const defaults = args.resources.filter((r) => r.type === DEFAULT_SG);
    for (const vpc of args.resources.filter((r) => r.type === "aws:ec2/vpc:Vpc")) {
      if (!defaults.some((g) => takes(g, "vpcId", vpc))) {
        report(`VPC ${vpc.name}: its default security group is not managed: AWS's allow rules stay on it`, vpc.urn);
      }
    }
    for (const g of defaults) {
      for (const direction of ["ingress", "egress"] as const) {
        const rules = g.props[direction];
        if (!Array.isArray(rules)) {
          report(`default security group ${g.name}: ${direction} must be declared empty ([]) to stay managed`, g.urn);
        } else if (rules.length > 0) {
          report(`default security group ${g.name}: ${rules.length} ${direction} rule(s); it must have none`, g.urn);
        }
      }
      for (const rule of args.resources.filter((r) => STANDALONE_RULES.includes(r.type))) {
        if (takes(rule, "securityGroupId", g)) {
          report(`rule ${rule.name} targets default security group ${g.name}; it must have no rules`, rule.urn);
        }
      }
    }
  },
};
