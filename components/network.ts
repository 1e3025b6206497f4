import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface NetworkArgs {
  /** IPv4 CIDR of the VPC; public subnets are carved from it (/24 each). */
  vpcCidr: string;
  /** Number of availability zones, one public subnet each. */
  azCount: number;
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
 * A VPC per stack with one public subnet per availability zone, an internet gateway and the default route.
 * Security groups belong to the components that own the hosts.
 */
export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  /** One public subnet per availability zone, with its zone (data volumes are created in a host's zone). */
  public readonly publicSubnets: { id: pulumi.Output<string>; availabilityZone: pulumi.Output<string> }[];

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
    const subnets: aws.ec2.Subnet[] = [];
    for (let i = 0; i < args.azCount; i++) {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: subnetCidr(args.vpcCidr, i),
          availabilityZone: zones.names.apply((n) => {
            if (n.length < args.azCount) {
              throw new Error(`availabilityZones=${args.azCount} but the region has only ${n.length} available zones`);
            }
            return n[i];
          }),
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
    this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: subnets.map((s) => s.id) });
  }
}
