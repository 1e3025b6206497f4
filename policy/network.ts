/** Security groups: what may face the internet, rules declared standalone, database ports from groups only. */
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
