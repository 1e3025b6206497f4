import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MAX_ZONES } from "./config/limits";

export interface NetworkArgs {
  /** IPv4 CIDR of the VPC; public subnets are carved from it (/24 each). */
  vpcCidr: string;
  /** Number of availability zones, one public subnet each. */
  azCount: number;
  /**
   * Private subnets (one per zone, after the public ones) with no route to the internet, reaching AWS only
   * through VPC endpoints: the S3 gateway endpoint and an interface endpoint for each of `endpointServices`
   * (e.g. `ecr.api`), placed in the first `endpointZones` private subnets. Absent: public subnets only.
   */
  private?: { endpointServices: readonly string[]; endpointZones: number };
  /** AWS region (the endpoints' service names). */
  region: string;
  /** Tags on every resource. */
  tags: Record<string, string>;
}

/** Carve the i-th /24 (or the i-th quarter, for small VPCs) out of the VPC block. */
export function subnetCidr(vpcCidr: string, index: number): string {
  const [addr, prefixText] = vpcCidr.split("/");
  const prefix = Number(prefixText);
  const newPrefix = prefix <= 22 ? 24 : prefix + 2;
  const base = addr.split(".").reduce((a, o) => a * 256 + Number(o), 0);
  const start = base + index * 2 ** (32 - newPrefix);
  return `${[24, 16, 8, 0].map((s) => Math.floor(start / 2 ** s) % 256).join(".")}/${newPrefix}`;
}

/**
 * A security group as every component declares one: named and `Name`-tagged `name`, with no inline rules (policy
 * sg-rules-standalone-only: a declared inline set is managed whole, and the `up` after a refresh would revoke the
 * rules declared elsewhere). Its rules are standalone resources (`tcpIngress`, `tcpEgress`).
 */
export function securityGroup(
  name: string,
  vpcId: pulumi.Input<string>,
  description: string,
  tags: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): aws.ec2.SecurityGroup {
  return new aws.ec2.SecurityGroup(name, { vpcId, description, tags: { ...tags, Name: name } }, opts);
}

/** The other side of a rule: an IPv4 or IPv6 range, a prefix list, or a security group. */
export type RulePeer =
  | { cidrIpv4: pulumi.Input<string> }
  | { cidrIpv6: pulumi.Input<string> }
  | { prefixListId: pulumi.Input<string> }
  | { referencedSecurityGroupId: pulumi.Input<string> };

/** A rule on one TCP port of a group, with `peer` on the other side. */
export interface TcpRule {
  /** The group the rule belongs to. */
  readonly securityGroupId: pulumi.Input<string>;
  /** The one port it opens. */
  readonly port: number;
  /** Where traffic comes from (ingress) or goes to (egress). */
  readonly peer: RulePeer;
  /** What AWS shows beside the rule. */
  readonly description: string;
}

const tcpRuleArgs = (r: TcpRule) => ({
  securityGroupId: r.securityGroupId,
  ...r.peer,
  ipProtocol: "tcp",
  fromPort: r.port,
  toPort: r.port,
  description: r.description,
});

/** Ingress on one TCP port, from `peer`: a standalone rule. */
export const tcpIngress = (name: string, rule: TcpRule, opts: pulumi.CustomResourceOptions) =>
  new aws.vpc.SecurityGroupIngressRule(name, tcpRuleArgs(rule), opts);

/** Egress on one TCP port, to `peer`: a standalone rule. */
export const tcpEgress = (name: string, rule: TcpRule, opts: pulumi.CustomResourceOptions) =>
  new aws.vpc.SecurityGroupEgressRule(name, tcpRuleArgs(rule), opts);

/** A subnet and its availability zone. */
export interface Subnet {
  id: pulumi.Output<string>;
  availabilityZone: pulumi.Output<string>;
}

/**
 * A VPC per stack with one public subnet per availability zone, an internet gateway and the default route;
 * for the fleet tier also one private subnet per zone and the VPC endpoints it needs. Security groups belong to
 * the components that own the hosts; the VPC's default security group is managed here with no rules at all.
 */
export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  /** One public subnet per availability zone, with its zone (data volumes are created in a host's zone). */
  public readonly publicSubnets: Subnet[];
  /** One private subnet per availability zone (empty unless `private` is set). */
  public readonly privateSubnets: Subnet[];
  /** The interface endpoints' security group (HTTPS from the VPC), when there are private subnets. */
  public readonly endpointSecurityGroupId?: pulumi.Output<string>;
  /**
   * The S3 gateway endpoint's prefix list (security group egress to S3), when there are private subnets. It
   * resolves (and carries the dependency) once the private subnets reach AWS: route table associations and
   * interface endpoints in place.
   */
  public readonly s3PrefixListId?: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observed-app:index:Network", name, {}, opts);
    const parent = { parent: this };
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.vpcCidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { ...args.tags, Name: `${name}-vpc` },
      },
      parent,
    );
    // CIS AWS Foundations 5.4: every VPC comes with a default security group that admits all traffic from its own
    // members and lets everything out. Nothing here uses it (each component declares its own group), and an
    // instance or endpoint put in it by mistake would get those rules: it is adopted with its rule sets declared
    // empty. Adopting it revokes every rule it has; declared (even `[]`), each set is managed whole, so a rule
    // added later outside the program shows as drift and the next `up` revokes it. Never given a standalone rule.
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: vpc.id, ingress: [], egress: [], tags: { ...args.tags, Name: `${name}-default` } },
      parent,
    );
    const igw = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: { ...args.tags, Name: `${name}-igw` } },
      parent,
    );
    const routes = new aws.ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
        tags: { ...args.tags, Name: `${name}-public` },
      },
      parent,
    );
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, parent);
    const zone = (i: number) =>
      zones.names.apply((n) => {
        if (n.length < args.azCount) {
          throw new Error(`availabilityZones=${args.azCount} but the region has only ${n.length} available zones`);
        }
        return n[i];
      });
    const subnets: aws.ec2.Subnet[] = [];
    for (let i = 0; i < args.azCount; i++) {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: subnetCidr(args.vpcCidr, i),
          availabilityZone: zone(i),
          mapPublicIpOnLaunch: true,
          tags: { ...args.tags, Name: `${name}-public-${i}`, Tier: "public" },
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${i}`,
        { subnetId: subnet.id, routeTableId: routes.id },
        parent,
      );
      subnets.push(subnet);
    }
    this.vpcId = vpc.id;
    this.publicSubnets = subnets.map((s) => ({ id: s.id, availabilityZone: s.availabilityZone }));
    this.privateSubnets = [];

    if (args.private) {
      // No route to the internet at all: the instances here reach S3 (ECR's layers, Amazon Linux's package
      // repositories) through the free gateway endpoint, and ECR, CloudWatch Logs and Secrets Manager through
      // interface endpoints. Cheaper than a NAT gateway per zone, and nothing here can call out to the internet.
      const privateRoutes = new aws.ec2.RouteTable(
        `${name}-private`,
        { vpcId: vpc.id, tags: { ...args.tags, Name: `${name}-private` } },
        parent,
      );
      const privateSubnets: aws.ec2.Subnet[] = [];
      const associations: aws.ec2.RouteTableAssociation[] = [];
      for (let i = 0; i < args.azCount; i++) {
        const subnet = new aws.ec2.Subnet(
          `${name}-private-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock: subnetCidr(args.vpcCidr, MAX_ZONES + i),
            availabilityZone: zone(i),
            mapPublicIpOnLaunch: false,
            tags: { ...args.tags, Name: `${name}-private-${i}`, Tier: "private" },
          },
          parent,
        );
        associations.push(
          new aws.ec2.RouteTableAssociation(
            `${name}-private-${i}`,
            { subnetId: subnet.id, routeTableId: privateRoutes.id },
            parent,
          ),
        );
        privateSubnets.push(subnet);
      }
      const s3 = new aws.ec2.VpcEndpoint(
        `${name}-s3`,
        {
          vpcId: vpc.id,
          serviceName: `com.amazonaws.${args.region}.s3`,
          vpcEndpointType: "Gateway",
          routeTableIds: [privateRoutes.id],
          tags: { ...args.tags, Name: `${name}-s3` },
        },
        parent,
      );
      // Rules as standalone resources only, never inline (policy sg-rules-standalone-only; see AppFleet's group for
      // why). No egress rule: the provider revokes AWS's default allow-all egress on create, and an endpoint only
      // answers. The description changed when the inline rule became a standalone one: the description forces a
      // new group, so a deployed stack moves to a new, empty group (a standalone rule identical to the old inline
      // one, added to the old group, would be refused as a duplicate). The endpoints wait for the rule.
      const description = "VPC interface endpoints: HTTPS from the VPC only";
      const endpointSg = securityGroup(`${name}-endpoints`, vpc.id, description, args.tags, parent);
      const endpointHttps = tcpIngress(
        `${name}-endpoints-https`,
        {
          securityGroupId: endpointSg.id,
          port: 443,
          peer: { cidrIpv4: args.vpcCidr },
          description: "HTTPS from the VPC",
        },
        parent,
      );
      const endpointSubnets = privateSubnets.slice(0, Math.max(1, Math.min(args.private.endpointZones, args.azCount)));
      const endpoints = args.private.endpointServices.map(
        (service) =>
          new aws.ec2.VpcEndpoint(
            `${name}-${service.replace(/\./g, "-")}`,
            {
              vpcId: vpc.id,
              serviceName: `com.amazonaws.${args.region}.${service}`,
              vpcEndpointType: "Interface",
              privateDnsEnabled: true,
              subnetIds: endpointSubnets.map((s) => s.id),
              securityGroupIds: [endpointSg.id],
              tags: { ...args.tags, Name: `${name}-${service}` },
            },
            { parent: this, dependsOn: [endpointHttps] },
          ),
      );
      this.privateSubnets = privateSubnets.map((s) => ({ id: s.id, availabilityZone: s.availabilityZone }));
      this.endpointSecurityGroupId = endpointSg.id;
      // The prefix list is taken only by what runs in the private subnets (the fleet's egress to S3): it resolves
      // once those subnets reach AWS (their route table, with the gateway's route, associated; the interface
      // endpoints created), so whatever waits for the rule built from it waits for the endpoints too.
      this.s3PrefixListId = pulumi
        .all([s3.prefixListId, ...associations.map((a) => a.id), ...endpoints.map((e) => e.id)])
        .apply(([prefixListId]) => prefixListId);
    }
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: subnets.map((s) => s.id),
      privateSubnetIds: this.privateSubnets.map((s) => s.id),
    });
  }
}
