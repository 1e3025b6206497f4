import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  AWS_WEB_USER,
  bcryptSalt,
  bundleHash,
  DEFAULT_IMAGES,
  HOST_DATA_DIR,
  HOST_ROLES,
  MONITORING_PORTS,
  renderBundle,
  splitSecrets,
  type Bundle,
} from "../monitoring-config";
import type { Arch, Environment } from "./config";
import { bundleTarBase64, unpackFromStdin } from "./bundle-archive";
import { DATA_DEVICE, Ec2Host, type HostPlacement } from "./host";
import { MAX_MONITORING_REPLICAS } from "./config/limits";
import { ALERTMANAGER_CLUSTER_PORT, monitoringSettingsFor, replicaName } from "./monitoring-inputs";
import { monitoringRolePolicy } from "./policy-documents";
import { SSH_USER, hostScript } from "./host-scripts";

const STAGED = "/tmp/observed-app/bundle";
/** The UIs on the monitoring host (reachable from the admin CIDRs only). */
export const UI_PORTS = {
  grafana: MONITORING_PORTS.grafana,
  prometheus: MONITORING_PORTS.prometheus,
  alertmanager: MONITORING_PORTS.alertmanager,
};

/** The monitoring stack as it runs on its host. */
export interface MonitoringStackArgs {
  /** EC2 instance type of the host, e.g. `t4g.medium`. */
  readonly instanceType: string;
  readonly arch: Arch;
  /** Pinned AMI of the host; default: the newest Amazon Linux 2023 at creation, never followed after. */
  readonly amiId?: string;
  /** Size of the encrypted EBS volume for Prometheus, Alertmanager and Grafana data (GiB). */
  readonly dataVolumeGiB: number;
  /** Prometheus TSDB retention (a Prometheus duration, e.g. `15d`). */
  readonly prometheusRetention: string;
  /** Grafana admin password; default: generated (@pulumi/random) and kept in the stack's state as a secret. */
  readonly grafanaAdminPassword?: pulumi.Input<string>;
  /** Slack incoming webhook that also receives pages and tickets (optional). */
  readonly slackWebhookUrl?: pulumi.Input<string>;
  /** Monitoring hosts: 1, or 2 for an HA pair (each in its own zone, both scraping, Alertmanagers clustered). Default 1. */
  readonly replicas?: number;
  /**
   * Remote-write every series to an Amazon Managed Service for Prometheus workspace created here (SigV4 with the
   * instance role), and give Grafana the workspace as a second datasource. Default off.
   */
  readonly managedPrometheus?: boolean;
  /** Active series the remote-write queue is sized for (remoteWriteQueue). Default 10 000. */
  readonly expectedSeries?: number;
}

/** Where it runs (HostPlacement) and what it watches. */
export interface MonitoringHostArgs extends HostPlacement {
  /** The stack's environment: the `stack` label of every series and alert. */
  readonly environment: Environment;
  readonly monitoring: MonitoringStackArgs;
  /**
   * Subnets of the second and later replicas (one per replica after the first, each in another zone: `subnet`
   * holds the first). Required when `monitoring.replicas` > 1.
   */
  readonly peerSubnets?: readonly { id: pulumi.Input<string>; availabilityZone: pulumi.Input<string> }[];
  /** CIDRs allowed to SSH in and to open the UIs. */
  readonly adminCidrs: readonly string[];
  /** Tags every discovered host carries (Project, Stack); Prometheus discovers by them. */
  readonly discoveryTags: Record<string, string>;
  /** The app: its security group (scrape ports are opened to this host only), metrics port, public URL to probe. */
  readonly app: {
    securityGroupId: pulumi.Input<string>;
    metricsPort: number;
    publicUrl: pulumi.Input<string>;
    /**
     * The app host edge's self-signed certificate (PEM): the only one blackbox_exporter trusts when it probes
     * publicUrl. Absent for the fleet: its load balancer presents a public ACM certificate, or plain HTTP.
     */
    tlsCertPem?: pulumi.Input<string>;
    /** The app's log group: the only one the role may read (Grafana's CloudWatch Logs). */
    logGroupArn: pulumi.Input<string>;
    /** The fleet's load balancer, target group and database (CloudWatch dimensions), for the Service dashboard. */
    fleet?: { loadBalancer: pulumi.Input<string>; targetGroup: pulumi.Input<string>; dbInstance: pulumi.Input<string> };
  };
  /** The topics Alertmanager publishes to with the instance role (page, ticket, heartbeat) and their key. */
  readonly topics: {
    page: pulumi.Input<string>;
    ticket: pulumi.Input<string>;
    heartbeat: pulumi.Input<string>;
    keyArn: pulumi.Input<string>;
  };
  /** EventBridge rule forwarding GuardDuty findings (for the Security dashboard). */
  readonly guardDutyRuleName: pulumi.Input<string>;
}

/** A host's three UIs. */
const urlsOf = (host: Ec2Host) => ({
  grafanaUrl: pulumi.interpolate`https://${host.publicIp}:${UI_PORTS.grafana}`,
  prometheusUrl: pulumi.interpolate`https://${host.publicIp}:${UI_PORTS.prometheus}`,
  alertmanagerUrl: pulumi.interpolate`https://${host.publicIp}:${UI_PORTS.alertmanager}`,
});

/**
 * The monitoring host: Prometheus, Alertmanager, Grafana, blackbox_exporter and node_exporter (pinned images,
 * docker compose) set up over SSH from the bundle monitoring-config renders. The bundle is validated on the
 * host before it is applied, and a bundle change reloads the services without touching their data volume.
 * The constructor composes focused builders; each replica's settings come from the one mapping in
 * components/monitoring-inputs.ts, which `npm run render` calls too.
 */
export class MonitoringHost extends pulumi.ComponentResource {
  public readonly grafanaUrl: pulumi.Output<string>;
  public readonly prometheusUrl: pulumi.Output<string>;
  public readonly alertmanagerUrl: pulumi.Output<string>;
  /** SHA-256 fingerprint of the host's self-signed certificate, which serves all three UIs (clients pin it). */
  public readonly tlsFingerprint: pulumi.Output<string>;
  public readonly grafanaAdminPassword: pulumi.Output<string>;
  /** Basic auth of the Prometheus and Alertmanager UIs and APIs (the password is generated and secret). */
  public readonly webUser: string;
  public readonly webPassword: pulumi.Output<string>;
  public readonly sshPrivateKey: pulumi.Output<string>;
  public readonly sshCommand: pulumi.Output<string>;
  /** The rendered bundle, whole (secret: it holds the passwords and keys). */
  public readonly bundle: pulumi.Output<Bundle>;
  /**
   * The bundle's configuration, without its `<service>/secrets/` files: no credential in it, so it ships in the
   * clear and `pulumi preview` shows its changes. Its hash is the re-apply trigger.
   */
  public readonly config: pulumi.Output<Bundle>;
  public readonly bundleHash: pulumi.Output<string>;
  /** Every replica's UIs (the first is the one above) and its certificate's fingerprint. */
  public readonly replicas: pulumi.Output<
    { replica: string; grafanaUrl: string; prometheusUrl: string; alertmanagerUrl: string; tlsFingerprint: string }[]
  >;
  /** The managed workspace (when `managedPrometheus`): its id and the endpoint Prometheus writes to. */
  public readonly workspace?: { id: pulumi.Output<string>; remoteWriteUrl: pulumi.Output<string> };

  private readonly name: string;
  private readonly args: MonitoringHostArgs;
  /** bcrypt's salt for the UIs' basic auth, from a random seed kept in the state (any seed maps to a valid salt). */
  private readonly webSalt: pulumi.Output<string>;

  constructor(name: string, args: MonitoringHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observed-app:index:MonitoringHost", name, {}, opts);
    this.name = name;
    this.args = args;

    const parent = { parent: this };
    this.grafanaAdminPassword = pulumi.secret(
      args.monitoring.grafanaAdminPassword ??
        new random.RandomPassword(`${name}-grafana-admin`, { length: 24, special: false }, parent).result,
    );
    // Prometheus and Alertmanager listen on a public address: basic auth (web.yml holds a bcrypt hash with a
    // random salt kept in the state, so the bundle is stable from one update to the next).
    this.webUser = AWS_WEB_USER;
    this.webPassword = pulumi.secret(
      new random.RandomPassword(`${name}-web-password`, { length: 32, special: false }, parent).result,
    );
    const seed = new random.RandomString(`${name}-web-salt`, { length: 32, special: false }, parent);
    this.webSalt = seed.result.apply(bcryptSalt);

    const replicas = this.replicaCount();
    const workspace = this.managedWorkspace();
    this.workspace = workspace && {
      id: workspace.id,
      remoteWriteUrl: pulumi.interpolate`${workspace.prometheusEndpoint}api/v1/remote_write`,
    };
    const hosts = this.hosts(replicas, this.rolePolicy(workspace));
    hosts.forEach((_, i) => this.exposure(hosts, i));

    const bundles = this.bundles(hosts, workspace);
    this.bundle = bundles[0];
    const shipped = hosts.map((host, i) => this.setup(host, i, bundles[i]));
    this.config = shipped[0].config;
    this.bundleHash = shipped[0].hash;

    const urls = hosts.map(urlsOf);
    this.grafanaUrl = urls[0].grafanaUrl;
    this.prometheusUrl = urls[0].prometheusUrl;
    this.alertmanagerUrl = urls[0].alertmanagerUrl;
    this.tlsFingerprint = hosts[0].tlsFingerprint;
    this.replicas = pulumi.output(
      hosts.map((h, i) => ({ replica: replicaName(i), ...urls[i], tlsFingerprint: h.tlsFingerprint })),
    );
    this.sshPrivateKey = hosts[0].privateKey;
    this.sshCommand = pulumi.interpolate`pulumi stack output --show-secrets monitoringSshKey > mon.key && chmod 600 mon.key && ssh -i mon.key ${SSH_USER}@${hosts[0].publicIp}`;
    this.registerOutputs({
      grafanaUrl: this.grafanaUrl,
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
      replicas: this.replicas,
    });
  }

  /** Replica 0 keeps the names a single host has always had (a stack going from 1 to 2 replicas keeps its host). */
  private hostName(i: number): string {
    return i === 0 ? this.name : `${this.name}-${replicaName(i)}`;
  }

  /** How many hosts: 1 to MAX_MONITORING_REPLICAS, each with a subnet of its own zone. */
  private replicaCount(): number {
    const { name, args } = this;
    const replicas = args.monitoring.replicas ?? 1;
    const zones = 1 + (args.peerSubnets?.length ?? 0);
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_MONITORING_REPLICAS) {
      throw new Error(`${name}: monitoring.replicas=${replicas} is invalid: expected 1 to ${MAX_MONITORING_REPLICAS}`);
    }
    if (zones < replicas) {
      throw new Error(`${name}: ${replicas} replicas need ${replicas} subnets (subnet and peerSubnets), got ${zones}`);
    }
    return replicas;
  }

  /** Long-term storage (managedPrometheus): a managed workspace every replica writes to (deduplicated on `replica`). */
  private managedWorkspace(): aws.amp.Workspace | undefined {
    const { name, args } = this;
    if (!args.monitoring.managedPrometheus) return undefined;
    return new aws.amp.Workspace(
      `${name}-amp`,
      { alias: name, tags: args.tags },
      // The long-term series: kept like the hosts' data volumes (prod protects and retains them).
      args.keepData ? { parent: this, protect: true, retainOnDelete: true } : { parent: this },
    );
  }

  /** Identity: discovery, publishing alerts, reading CloudWatch for Grafana, writing to the workspace. */
  private rolePolicy(workspace?: aws.amp.Workspace): pulumi.Output<string> {
    const { topics, app } = this.args;
    return pulumi
      .output({
        topicArns: [topics.page, topics.ticket, topics.heartbeat],
        topicKeyArn: topics.keyArn,
        appLogGroupArn: app.logGroupArn,
        workspaceArn: workspace?.arn,
      })
      .apply((inputs) => JSON.stringify(monitoringRolePolicy(inputs)));
  }

  /** The hosts, each in its own zone's subnet with its own data volume. */
  private hosts(replicas: number, rolePolicy: pulumi.Output<string>): Ec2Host[] {
    const { args } = this;
    const m = args.monitoring;
    const zones = [args.subnet, ...(args.peerSubnets ?? [])];
    return Array.from(
      { length: replicas },
      (_, i) =>
        new Ec2Host(
          this.hostName(i),
          {
            role: HOST_ROLES.monitoring,
            arch: m.arch,
            instanceType: m.instanceType,
            amiId: m.amiId,
            vpcId: args.vpcId,
            subnet: zones[i],
            rolePolicy,
            adminCidrs: args.adminCidrs,
            // The security group's description forces a new group when it changes: the first host keeps its own.
            description: i === 0 ? "Monitoring host" : `Monitoring host ${replicaName(i)}`,
            dataVolumeGiB: m.dataVolumeGiB,
            // Hop limit 1 (the default) is enough: Prometheus (EC2 discovery, SigV4), Alertmanager (SNS) and
            // Grafana (CloudWatch, SigV4) use the instance role from containers on the host network.
            keepData: args.keepData,
            sshReady: args.sshReady,
            tags: args.tags,
          },
          this,
        ),
    );
  }

  /** Exposure of host `i`: UIs from admins only; the app's scrape ports open to its group; its peer's alerts and gossip. */
  private exposure(hosts: Ec2Host[], i: number): void {
    const { args } = this;
    const parent = { parent: this };
    const [host, n] = [hosts[i], this.hostName(i)];
    for (const port of Object.values(UI_PORTS)) {
      host.allowFrom(`admin-${port}`, port, args.adminCidrs, `admins: ${port}`, parent);
    }
    for (const [role, port] of [
      ["metrics", args.app.metricsPort],
      ["node", MONITORING_PORTS.nodeExporter],
    ] as const) {
      this.admit(`${n}-scrape-${role}`, args.app.securityGroupId, host, "tcp", port, `Prometheus scrapes ${role}`);
    }
    // The pair: each Prometheus sends alerts to the other's Alertmanager; the Alertmanagers gossip (TCP and UDP).
    hosts.forEach((peer, j) => {
      if (j === i) return;
      for (const [what, protocol, port] of [
        ["alerts", "tcp", UI_PORTS.alertmanager],
        ["gossip-tcp", "tcp", ALERTMANAGER_CLUSTER_PORT],
        ["gossip-udp", "udp", ALERTMANAGER_CLUSTER_PORT],
      ] as const) {
        const description = `monitoring ${replicaName(j)}: Alertmanager ${what}`;
        this.admit(`${n}-from-${replicaName(j)}-${what}`, host.securityGroup.id, peer, protocol, port, description);
      }
    });
  }

  /** Ingress to the group `to` on `port` from the host `from`'s group (never from an address range), described by `purpose`. */
  private admit(rule: string, to: pulumi.Input<string>, from: Ec2Host, proto: string, port: number, purpose: string) {
    new aws.vpc.SecurityGroupIngressRule(
      rule,
      {
        securityGroupId: to,
        ipProtocol: proto,
        fromPort: port,
        toPort: port,
        referencedSecurityGroupId: from.securityGroup.id,
        description: purpose,
      },
      { parent: this },
    );
  }

  /** Each replica's bundle (secret): the deployed values, resolved, through the one mapping to monitoring-config. */
  private bundles(hosts: Ec2Host[], workspace?: aws.amp.Workspace): pulumi.Output<Bundle>[] {
    const { args } = this;
    // The pair's addresses and certificates (a single host needs neither).
    const pair =
      hosts.length > 1
        ? pulumi
            .all(hosts.map((h) => pulumi.all([h.instance.privateIp, h.tlsCertPem])))
            .apply((peers) => peers.map(([privateIp, certPem]) => ({ privateIp, certPem })))
        : undefined;
    return hosts.map((host, i) => {
      const deployed = pulumi.output({
        topicArns: { page: args.topics.page, ticket: args.topics.ticket, heartbeat: args.topics.heartbeat },
        appUrl: args.app.publicUrl,
        grafanaAdminPassword: this.grafanaAdminPassword,
        web: { password: this.webPassword, salt: this.webSalt },
        tls: { certPem: host.tlsCertPem, keyPem: host.tlsKeyPem },
        probeCaPem: args.app.tlsCertPem,
        workspaceEndpoint: workspace?.prometheusEndpoint,
        pair,
        fleet: args.app.fleet,
        guardDutyRuleName: args.guardDutyRuleName,
        slackWebhookUrl: args.monitoring.slackWebhookUrl,
      });
      return pulumi.secret(deployed.apply((d) => renderBundle(monitoringSettingsFor(args, d, i))));
    });
  }

  /**
   * Setup over SSH of host `i`: bootstrap once per instance, then copy → validate → apply on every change of its
   * bundle. Returns what ships in the clear: the bundle's configuration and its hash (the re-apply trigger).
   */
  private setup(host: Ec2Host, i: number, bundle: pulumi.Output<Bundle>) {
    const n = this.hostName(i);
    // Only the secrets/ files hold credentials (monitoring-config/secrets.ts): the rest is plain configuration.
    const config = pulumi.unsecret(bundle.apply((b) => splitSecrets(b).config));
    const hash = config.apply(bundleHash);
    const secrets = bundle.apply((b) => splitSecrets(b).secrets);
    const { connection, instance } = host;
    const instanceId = instance.id;
    const bootstrapScript = hostScript("monitoring-bootstrap.sh");
    const bootstrap = new command.remote.Command(
      `${n}-bootstrap`,
      {
        connection,
        create: `export DATA_DEVICE=${DATA_DEVICE} DATA_DIR=${HOST_DATA_DIR}\n${bootstrapScript}`,
        triggers: [instanceId, bootstrapScript],
      },
      { parent: this, dependsOn: [host.attachment, host.addressAssociation] },
    );
    const applyScript = hostScript("monitoring-apply.sh");
    // What re-runs the apply (a new instance, bundle, rotated secret: its hash, secret in the state; a changed
    // script) re-stages the copy too: the apply removes it once applied, and alone would find nothing staged.
    const applyTriggers = [instanceId, hash, pulumi.secret(secrets.apply(bundleHash)), applyScript];
    const copy = new command.remote.Command(
      `${n}-bundle`,
      {
        connection,
        create: unpackFromStdin(STAGED),
        stdin: config.apply(bundleTarBase64),
        triggers: applyTriggers,
      },
      { parent: this, dependsOn: [bootstrap] },
    );
    new command.remote.Command(
      `${n}-apply`,
      {
        connection,
        create: `export STAGED=${STAGED} PROMETHEUS_IMAGE=${DEFAULT_IMAGES.prometheus} ALERTMANAGER_IMAGE=${DEFAULT_IMAGES.alertmanager} PROMETHEUS_PORT=${MONITORING_PORTS.prometheus} ALERTMANAGER_PORT=${MONITORING_PORTS.alertmanager}\n${applyScript}`,
        // The bundle's secrets (a tar, base64, installed beside the configuration before it is validated) and the
        // credentials of the readiness checks travel on stdin, a Pulumi secret, never in the command line.
        stdin: pulumi.secret(
          pulumi
            .all([this.webPassword, secrets.apply(bundleTarBase64)])
            .apply(([pw, tar]) => `WEB_USER=${AWS_WEB_USER}\nWEB_PASSWORD=${pw}\nSECRETS_B64=${tar}\n`),
        ),
        triggers: applyTriggers,
      },
      { parent: this, dependsOn: [copy], additionalSecretOutputs: ["stdin"] },
    );
    return { config, hash };
  }
}
