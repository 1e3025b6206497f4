/**
 * The EC2 host both ObservedApp and MonitoringHost run on: an instance role and profile, an SSH key pair, the
 * Amazon Linux 2023 AMI, a security group with SSH from the admins and open egress, an IMDSv2-only instance,
 * an encrypted data volume of its own, and an Elastic IP. Built for day 2:
 * - the AMI lookup only seeds the first instance (`ignoreChanges: ["ami"]`): a new AL2023 release never
 *   replaces a host behind the operator's back. To roll one, pin `amiId` (stack config `appAmiId` /
 *   `monitoringAmiId`): a pinned AMI is followed, so setting or changing it replaces the host. (`pulumi up
 *   --replace` alone would not: Pulumi restores ignored inputs from state before creating the replacement.)
 * - the data lives on its own `aws.ebs.Volume` in the subnet's zone (not the instance's, which is unknown while
 *   an instance is replaced), attached with `deleteBeforeReplace`, so a new instance gets the same volume;
 *   when data is kept (prod) the volume is protected and retained on delete;
 * - the Elastic IP keeps the host's address, and so every URL output, across replacements;
 * - a TLS certificate of its own (self-signed: no domain is configured) names that address and 127.0.0.1, and
 *   is renewed by the first `pulumi up` in its last 30 days; its SHA-256 fingerprint is how clients pin it.
 */
import * as aws from "@pulumi/aws";
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { X509Certificate } from "node:crypto";
import { stringify } from "yaml";
import type { Arch } from "./config";
import { SSH_USER } from "./host-scripts";
import { securityGroup, tcpIngress } from "./network";

/** Latest Amazon Linux 2023 AMI name pattern for an architecture. */
export const al2023AmiFilter = (arch: Arch) => `al2023-ami-2023.*-kernel-*-${arch}`;

/**
 * cloud-config that installs the given ED25519 host key (and generates no others), so the key SSH clients see
 * is the one the stack pinned.
 */
export function hostKeyUserData(privateKeyOpenssh: string, publicKeyOpenssh: string): string {
  return (
    "#cloud-config\n" +
    stringify({
      ssh_deletekeys: true,
      ssh_genkeytypes: [],
      ssh_keys: { ed25519_private: privateKeyOpenssh, ed25519_public: publicKeyOpenssh.trim() },
    })
  );
}

/** Validity of a host's self-signed certificate, and how early before its end `pulumi up` replaces it. */
export const TLS_VALIDITY_HOURS = 365 * 24;
export const TLS_EARLY_RENEWAL_HOURS = 30 * 24;

/** `AB:CD:…`, the SHA-256 fingerprint of a PEM certificate as browsers and `openssl x509 -fingerprint` show it. */
export const certificateFingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

/** Where the data volume appears to the instance (Nitro renames it to an NVMe path; the scripts resolve it). */
export const DATA_DEVICE = "/dev/sdf";

/** Where a component's host runs and what it keeps: the args ObservedApp and MonitoringHost share. */
export interface HostPlacement {
  readonly region: string;
  readonly vpcId: pulumi.Input<string>;
  /** Public subnet of the host, with its availability zone (the data volume is created there). */
  readonly subnet: { id: pulumi.Input<string>; availabilityZone: pulumi.Input<string> };
  /** Keep data (prod): the host's data volume is protected and retained on delete. */
  readonly keepData: boolean;
  /** Resolves when this machine may SSH to the host (preflight); the setup steps wait for it. Optional. */
  readonly sshReady?: Promise<void>;
  /** Tags of every resource that takes tags (Project, Stack, ManagedBy). */
  readonly tags: Record<string, string>;
}

export interface HostArgs {
  /** `app` or `monitoring`: the `Role` tag Prometheus discovers by. */
  readonly role: string;
  readonly arch: Arch;
  readonly instanceType: string;
  /** Pinned AMI; default: the newest Amazon Linux 2023 for `arch` at creation, then ignored (see above). */
  readonly amiId?: string;
  readonly vpcId: pulumi.Input<string>;
  /** Subnet of the host and the zone of that subnet (the data volume is created there). */
  readonly subnet: { id: pulumi.Input<string>; availabilityZone: pulumi.Input<string> };
  /** Inline policy of the instance role (JSON). */
  readonly rolePolicy: pulumi.Input<string>;
  /** CIDRs allowed to SSH in (the deploying machine must be inside one). */
  readonly adminCidrs: readonly string[];
  /** Description of the security group, as AWS shows it. */
  readonly description: string;
  /** Size of the data volume (GiB). */
  readonly dataVolumeGiB: number;
  /**
   * IMDS hop limit. Default 1: containers on a bridge network (the app) cannot reach the instance role, and
   * neither the awslogs driver (in dockerd) nor host-network containers (the monitoring stack) need more.
   */
  readonly metadataHopLimit?: number;
  /** Protect the data volume and keep it when the stack is destroyed (prod). */
  readonly keepData: boolean;
  /**
   * Resolves when this machine may SSH to the host (components/preflight.ts checks its address against
   * `adminCidrs`); the SSH connection waits for it, so a failed check stops the first setup step. Optional.
   */
  readonly sshReady?: Promise<void>;
  readonly tags: Record<string, string>;
}

/**
 * An EC2 host with its own data volume and a stable address; resources are children of `parent`, and carry
 * `aliases` when given (the URNs they had under an earlier parent).
 */
export class Ec2Host {
  readonly role: aws.iam.Role;
  readonly instance: aws.ec2.Instance;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly dataVolume: aws.ebs.Volume;
  /** Attachment of the data volume: setup steps that use the volume depend on it. */
  readonly attachment: aws.ec2.VolumeAttachment;
  /** The Elastic IP's association: SSH steps depend on it. */
  readonly addressAssociation: aws.ec2.EipAssociation;
  /** The stable public address (Elastic IP). */
  readonly publicIp: pulumi.Output<string>;
  /** The host's TLS certificate (PEM), its private key (a secret) and the certificate's SHA-256 fingerprint. */
  readonly tlsCertPem: pulumi.Output<string>;
  readonly tlsKeyPem: pulumi.Output<string>;
  readonly tlsFingerprint: pulumi.Output<string>;
  readonly privateKey: pulumi.Output<string>;
  /** SSH connection for @pulumi/command to this host. */
  readonly connection: command.types.input.remote.ConnectionArgs;
  private readonly name: string;

  constructor(
    name: string,
    args: HostArgs,
    parent: pulumi.Resource,
    aliases?: pulumi.Input<pulumi.URN | pulumi.Alias>[],
  ) {
    this.name = name;
    const opts: pulumi.CustomResourceOptions = { parent, aliases };
    const tags = args.tags;
    this.role = new aws.iam.Role(
      `${name}-role`,
      { assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" }), tags },
      opts,
    );
    new aws.iam.RolePolicy(`${name}-role`, { role: this.role.id, policy: args.rolePolicy }, opts);
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: this.role.name, tags }, opts);
    const key = new tls.PrivateKey(`${name}-ssh`, { algorithm: "ED25519" }, opts);
    // The host's own SSH key, generated here and installed by cloud-init at first boot, so every SSH step can
    // pin it (connection.hostKey): without it @pulumi/command 1.2.1 accepts any host key.
    const hostKey = new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, opts);
    const keyPair = new aws.ec2.KeyPair(`${name}-ssh`, { publicKey: key.publicKeyOpenssh, tags }, opts);
    const lookup = aws.ec2.getAmiOutput(
      { owners: ["amazon"], mostRecent: true, filters: [{ name: "name", values: [al2023AmiFilter(args.arch)] }] },
      { parent },
    );

    this.securityGroup = securityGroup(`${name}-sg`, args.vpcId, args.description, tags, opts);
    this.allowFrom("ssh", 22, args.adminCidrs, "SSH from admins", opts);
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-egress`,
      {
        securityGroupId: this.securityGroup.id,
        ipProtocol: "-1",
        cidrIpv4: "0.0.0.0/0",
        description: "images, packages, AWS APIs",
      },
      opts,
    );

    this.instance = new aws.ec2.Instance(
      `${name}-host`,
      {
        ami: args.amiId ?? lookup.id,
        instanceType: args.instanceType,
        subnetId: args.subnet.id,
        vpcSecurityGroupIds: [this.securityGroup.id],
        iamInstanceProfile: profile.name,
        keyName: keyPair.keyName,
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: args.metadataHopLimit ?? 1,
        },
        rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 16 },
        // A secret: it carries the host's private SSH key.
        userData: pulumi.secret(
          pulumi
            .all([hostKey.privateKeyOpenssh, hostKey.publicKeyOpenssh])
            .apply(([priv, pub]) => hostKeyUserData(priv, pub)),
        ),
        tags: { ...tags, Name: `${name}-host`, Role: args.role },
      },
      // A looked-up AMI only seeds the host; a pinned one is followed.
      { ...opts, ignoreChanges: args.amiId ? [] : ["ami"] },
    );
    const keep: pulumi.CustomResourceOptions = args.keepData ? { ...opts, protect: true, retainOnDelete: true } : opts;
    this.dataVolume = new aws.ebs.Volume(
      `${name}-data`,
      {
        availabilityZone: args.subnet.availabilityZone,
        size: args.dataVolumeGiB,
        type: "gp3",
        encrypted: true,
        tags: { ...tags, Name: `${name}-data` },
      },
      keep,
    );
    this.attachment = new aws.ec2.VolumeAttachment(
      `${name}-data`,
      {
        instanceId: this.instance.id,
        volumeId: this.dataVolume.id,
        deviceName: DATA_DEVICE,
        stopInstanceBeforeDetaching: true,
      },
      // A new instance needs the volume: detach it from the old one before attaching it to the new one.
      { ...opts, deleteBeforeReplace: true },
    );
    const eip = new aws.ec2.Eip(`${name}-eip`, { domain: "vpc", tags: { ...tags, Name: `${name}-eip` } }, opts);
    this.addressAssociation = new aws.ec2.EipAssociation(
      `${name}-eip`,
      { allocationId: eip.allocationId, instanceId: this.instance.id },
      opts,
    );
    this.publicIp = eip.publicIp;
    this.privateKey = pulumi.secret(key.privateKeyOpenssh);
    const tlsKey = new tls.PrivateKey(`${name}-tls`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, opts);
    const cert = new tls.SelfSignedCert(
      `${name}-tls`,
      {
        privateKeyPem: tlsKey.privateKeyPem,
        subject: { commonName: eip.publicIp, organization: "observed-app" },
        // The public address for clients; 127.0.0.1 for the host's own services checking each other.
        ipAddresses: [eip.publicIp, "127.0.0.1"],
        validityPeriodHours: TLS_VALIDITY_HOURS,
        earlyRenewalHours: TLS_EARLY_RENEWAL_HOURS,
        allowedUses: ["digitalSignature", "keyEncipherment", "serverAuth"],
      },
      opts,
    );
    this.tlsCertPem = cert.certPem;
    this.tlsKeyPem = pulumi.secret(tlsKey.privateKeyPem);
    this.tlsFingerprint = cert.certPem.apply(certificateFingerprint);
    this.connection = {
      host: args.sshReady ? eip.publicIp.apply((ip) => args.sshReady!.then(() => ip)) : eip.publicIp,
      user: SSH_USER,
      privateKey: key.privateKeyOpenssh,
      hostKey: hostKey.publicKeyOpenssh.apply((k) => k.trim()),
      // A fresh instance refuses SSH for a while: retry for up to ten minutes.
      dialErrorLimit: 60,
      perDialTimeout: 10,
    };
  }

  /** Ingress to this host on `port` from each CIDR (one rule per CIDR, named `${host}-${label}-${i}`). */
  allowFrom(
    label: string,
    port: number,
    cidrs: readonly string[],
    description: string,
    opts: pulumi.CustomResourceOptions,
  ): void {
    cidrs.forEach((cidr, i) =>
      tcpIngress(
        `${this.name}-${label}-${i}`,
        { securityGroupId: this.securityGroup.id, port, peer: { cidrIpv4: cidr }, description },
        opts,
      ),
    );
  }
}
