import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  AWS_WEB_USER,
  awsMonitoringSettings,
  bcryptSalt,
  bundleHash,
  DEFAULT_IMAGES,
  HOST_DATA_DIR,
  HOST_ROLES,
  MONITORING_PORTS,
  renderBundle,
  splitSecrets,
  type Bundle,
  type HaSettings,
} from "../monitoring-config";
import type { Arch } from "./config";
import { bundleTarBase64, unpackFromStdin } from "./bundle-archive";
import { DATA_DEVICE, Ec2Host, type HostPlacement } from "./host";
import { monitoringRolePolicy } from "./policy-documents";
import { SSH_USER, hostScript } from "./host-scripts";

const DATA_DIR = HOST_DATA_DIR;
/** At most an HA pair: Alertmanager's gossip and the workspace's deduplication both work with more, but nothing here needs it. */
const MAX_REPLICAS = 2;
/** The replicas' names: the `replica` label of their series, and the suffix of the second host's resources. */
const REPLICA_NAMES = ["a", "b"];
/** Alertmanager's gossip port between the members of the pair (its default). */
const ALERTMANAGER_CLUSTER_PORT = 9094;
/** Active series the remote-write queue is sized for by default (README "Long-term storage": what one app and its two hosts measure, with room for ten times that). */
export const DEFAULT_EXPECTED_SERIES = 10_000;
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
  /**
   * Monitoring hosts: 1, or 2 for an HA pair (each in its own zone, both scraping, Alertmanagers clustered).
   * Default 1.
   */
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
  readonly environment: "dev" | "prod";
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

/**
 * The monitoring host: Prometheus, Alertmanager, Grafana, blackbox_exporter and node_exporter (pinned images,
 * docker compose) set up over SSH from the bundle monitoring-config renders. The bundle is validated on the
 * host before it is applied, and a bundle change reloads the services without touching their data volume.
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

  constructor(name: string, args: MonitoringHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observed-app:index:MonitoringHost", name, {}, opts);
    const parent = { parent: this };
    const m = args.monitoring;
    const tags = args.tags;

    const password =
      m.grafanaAdminPassword ??
      new random.RandomPassword(`${name}-grafana-admin`, { length: 24, special: false }, parent).result;
    this.grafanaAdminPassword = pulumi.secret(password);
    // Prometheus and Alertmanager listen on a public address: basic auth (web.yml holds a bcrypt hash with a
    // random salt kept in the state, so the bundle is stable from one update to the next).
    this.webUser = AWS_WEB_USER;
    this.webPassword = pulumi.secret(
      new random.RandomPassword(`${name}-web-password`, { length: 32, special: false }, parent).result,
    );
    // bcrypt's salt, from a random seed kept in the state (any seed maps to a valid salt).
    const webSalt = new random.RandomString(`${name}-web-salt`, { length: 32, special: false }, parent).result.apply(
      bcryptSalt,
    );

    const replicas = m.replicas ?? 1;
    const zones = [args.subnet, ...(args.peerSubnets ?? [])];
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
      throw new Error(`${name}: monitoring.replicas=${replicas} is invalid: expected 1 to ${MAX_REPLICAS}`);
    }
    if (zones.length < replicas) {
      throw new Error(
        `${name}: ${replicas} replicas need ${replicas} subnets (subnet and peerSubnets), got ${zones.length}`,
      );
    }

    // --- long-term storage: a managed workspace every replica writes to (deduplicated on `replica`) ---
    const workspace = m.managedPrometheus
      ? new aws.amp.Workspace(
          `${name}-amp`,
          { alias: name, tags },
          // The long-term series: kept like the hosts' data volumes (prod protects and retains them).
          args.keepData ? { parent: this, protect: true, retainOnDelete: true } : parent,
        )
      : undefined;
    if (workspace) {
      this.workspace = {
        id: workspace.id,
        remoteWriteUrl: pulumi.interpolate`${workspace.prometheusEndpoint}api/v1/remote_write`,
      };
    }

    // --- identity: discovery, publishing alerts, reading CloudWatch for Grafana, writing to the workspace ---
    const rolePolicy = pulumi
      .all([
        args.topics.page,
        args.topics.ticket,
        args.topics.heartbeat,
        args.topics.keyArn,
        args.app.logGroupArn,
        workspace?.arn ?? pulumi.output(undefined),
      ])
      .apply(([page, ticket, heartbeat, topicKeyArn, appLogGroupArn, workspaceArn]) =>
        JSON.stringify(
          monitoringRolePolicy({ topicArns: [page, ticket, heartbeat], topicKeyArn, appLogGroupArn, workspaceArn }),
        ),
      );
    // Replica 0 keeps the names a single host has always had (a stack going from 1 to 2 replicas keeps its host).
    const hostName = (i: number) => (i === 0 ? name : `${name}-${REPLICA_NAMES[i]}`);
    const hosts = Array.from(
      { length: replicas },
      (_, i) =>
        new Ec2Host(
          hostName(i),
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
            description: i === 0 ? "Monitoring host" : `Monitoring host ${REPLICA_NAMES[i]}`,
            dataVolumeGiB: m.dataVolumeGiB,
            // Hop limit 1 (the default) is enough: Prometheus (EC2 discovery, SigV4), Alertmanager (SNS) and
            // Grafana (CloudWatch, SigV4) use the instance role from containers on the host network.
            keepData: args.keepData,
            sshReady: args.sshReady,
            tags,
          },
          this,
        ),
    );

    // --- exposure: UIs from admins only; scrape ports on the app host open to these hosts' groups only ---
    hosts.forEach((host, i) => {
      const n = hostName(i);
      for (const port of Object.values(UI_PORTS)) {
        host.allowFrom(`admin-${port}`, port, args.adminCidrs, `admins: ${port}`, parent);
      }
      for (const [role, port] of [
        ["metrics", args.app.metricsPort],
        ["node", MONITORING_PORTS.nodeExporter],
      ] as const) {
        new aws.vpc.SecurityGroupIngressRule(
          `${n}-scrape-${role}`,
          {
            securityGroupId: args.app.securityGroupId,
            ipProtocol: "tcp",
            fromPort: port,
            toPort: port,
            referencedSecurityGroupId: host.securityGroup.id,
            description: `Prometheus scrapes ${role}`,
          },
          parent,
        );
      }
      // The pair: each Prometheus sends alerts to the other's Alertmanager; the Alertmanagers gossip (TCP and UDP).
      hosts.forEach((peer, j) => {
        if (j === i) return;
        for (const [what, protocol, port] of [
          ["alerts", "tcp", UI_PORTS.alertmanager],
          ["gossip-tcp", "tcp", ALERTMANAGER_CLUSTER_PORT],
          ["gossip-udp", "udp", ALERTMANAGER_CLUSTER_PORT],
        ] as const) {
          new aws.vpc.SecurityGroupIngressRule(
            `${n}-from-${REPLICA_NAMES[j]}-${what}`,
            {
              securityGroupId: host.securityGroup.id,
              ipProtocol: protocol,
              fromPort: port,
              toPort: port,
              referencedSecurityGroupId: peer.securityGroup.id,
              description: `monitoring ${REPLICA_NAMES[j]}: Alertmanager ${what}`,
            },
            parent,
          );
        }
      });
    });

    // --- the bundles: rendered from monitoring-config with this stack's targets, topics, passwords and peers ---
    const haOf = (i: number): pulumi.Output<HaSettings | undefined> =>
      replicas === 1
        ? pulumi.output(undefined)
        : pulumi.all(hosts.map((h) => pulumi.all([h.instance.privateIp, h.tlsCertPem]))).apply((peers) => ({
            replica: REPLICA_NAMES[i],
            clusterListen: `0.0.0.0:${ALERTMANAGER_CLUSTER_PORT}`,
            clusterAdvertise: `${peers[i][0]}:${ALERTMANAGER_CLUSTER_PORT}`,
            clusterPeers: peers.filter((_, j) => j !== i).map(([ip]) => `${ip}:${ALERTMANAGER_CLUSTER_PORT}`),
            peerTimeout: "15s",
            peerAlertmanagers: peers
              .filter((_, j) => j !== i)
              .map(([ip, certPem]) => ({ address: `${ip}:${UI_PORTS.alertmanager}`, certPem })),
          }));
    const fleet = args.app.fleet;
    const bundles = hosts.map((host, i) =>
      pulumi.secret(
        pulumi
          .all([
            pulumi.all([args.topics.page, args.topics.ticket, args.topics.heartbeat, this.webPassword, webSalt]),
            pulumi.all([host.tlsCertPem, host.tlsKeyPem, args.app.tlsCertPem ?? pulumi.output(undefined)]),
            args.app.publicUrl,
            password,
            m.slackWebhookUrl ?? pulumi.output(undefined),
            args.guardDutyRuleName,
            pulumi.all([
              workspace?.prometheusEndpoint ?? pulumi.output(undefined),
              haOf(i),
              fleet ? pulumi.all([fleet.loadBalancer, fleet.targetGroup, fleet.dbInstance]) : pulumi.output(undefined),
            ]),
          ])
          .apply(
            ([
              [page, ticket, heartbeat, webPassword, salt],
              [certPem, keyPem, probeCaPem],
              appUrl,
              grafanaAdminPassword,
              slackWebhookUrl,
              guardDutyRuleName,
              [workspaceEndpoint, ha, fleetDims],
            ]) =>
              renderBundle(
                awsMonitoringSettings({
                  environment: args.environment,
                  region: args.region,
                  discoveryTags: args.discoveryTags,
                  appMetricsPort: args.app.metricsPort,
                  appUrl,
                  topicArns: { page, ticket, heartbeat },
                  slackWebhookUrl,
                  grafanaAdminPassword,
                  guardDutyRuleName,
                  retention: m.prometheusRetention,
                  basicAuth: { username: AWS_WEB_USER, password: webPassword, salt },
                  tls: { certPem, keyPem, probeCaPem },
                  ...(fleetDims
                    ? {
                        fleet: { loadBalancer: fleetDims[0], targetGroup: fleetDims[1], dbInstance: fleetDims[2] },
                      }
                    : {}),
                  ...(workspaceEndpoint
                    ? {
                        managedPrometheus: {
                          workspaceEndpoint,
                          expectedSeries: m.expectedSeries ?? DEFAULT_EXPECTED_SERIES,
                        },
                      }
                    : {}),
                  ...(ha ? { ha } : {}),
                }),
              ),
          ),
      ),
    );
    this.bundle = bundles[0];
    // Only the secrets/ files hold credentials (monitoring-config/secrets.ts): the rest is plain configuration.
    const configs = bundles.map((b) => pulumi.unsecret(b.apply((x) => splitSecrets(x).config)));
    this.config = configs[0];
    const hashes = configs.map((c) => c.apply(bundleHash));
    this.bundleHash = hashes[0];
    const images = DEFAULT_IMAGES;

    // --- setup over SSH, per host: bootstrap once per instance, then copy → validate → apply on every change ---
    hosts.forEach((host, i) => {
      const n = hostName(i);
      const [config, hash] = [configs[i], hashes[i]];
      const secrets = bundles[i].apply((b) => splitSecrets(b).secrets);
      const connection = host.connection;
      const instanceId = host.instance.id;
      const bootstrapScript = hostScript("monitoring-bootstrap.sh");
      const bootstrap = new command.remote.Command(
        `${n}-bootstrap`,
        {
          connection,
          create: `export DATA_DEVICE=${DATA_DEVICE} DATA_DIR=${DATA_DIR}\n${bootstrapScript}`,
          triggers: [instanceId, bootstrapScript],
        },
        { parent: this, dependsOn: [host.attachment, host.addressAssociation] },
      );
      const copy = new command.remote.Command(
        `${n}-bundle`,
        {
          connection,
          create: unpackFromStdin(STAGED),
          stdin: config.apply(bundleTarBase64),
          triggers: [instanceId, hash],
        },
        { parent: this, dependsOn: [bootstrap] },
      );
      const applyScript = hostScript("monitoring-apply.sh");
      new command.remote.Command(
        `${n}-apply`,
        {
          connection,
          create: `export STAGED=${STAGED} PROMETHEUS_IMAGE=${images.prometheus} ALERTMANAGER_IMAGE=${images.alertmanager}\n${applyScript}`,
          // The bundle's secrets (a tar, base64, installed beside the configuration before it is validated) and the
          // credentials of the readiness checks travel on stdin, a Pulumi secret, never in the command line.
          stdin: pulumi.secret(
            pulumi
              .all([this.webPassword, secrets.apply(bundleTarBase64)])
              .apply(([pw, tar]) => `WEB_USER=${AWS_WEB_USER}\nWEB_PASSWORD=${pw}\nSECRETS_B64=${tar}\n`),
          ),
          // A rotated secret re-applies too (its hash, kept secret in the state).
          triggers: [instanceId, hash, pulumi.secret(secrets.apply(bundleHash)), applyScript],
        },
        { parent: this, dependsOn: [copy], additionalSecretOutputs: ["stdin"] },
      );
    });

    const urlsOf = (host: Ec2Host) => ({
      grafanaUrl: pulumi.interpolate`https://${host.publicIp}:${UI_PORTS.grafana}`,
      prometheusUrl: pulumi.interpolate`https://${host.publicIp}:${UI_PORTS.prometheus}`,
      alertmanagerUrl: pulumi.interpolate`https://${host.publicIp}:${UI_PORTS.alertmanager}`,
    });
    const first = urlsOf(hosts[0]);
    const ip = hosts[0].publicIp;
    this.grafanaUrl = first.grafanaUrl;
    this.prometheusUrl = first.prometheusUrl;
    this.alertmanagerUrl = first.alertmanagerUrl;
    this.tlsFingerprint = hosts[0].tlsFingerprint;
    this.replicas = pulumi.all(
      hosts.map((h, i) => {
        const u = urlsOf(h);
        return pulumi
          .all([u.grafanaUrl, u.prometheusUrl, u.alertmanagerUrl, h.tlsFingerprint])
          .apply(([grafanaUrl, prometheusUrl, alertmanagerUrl, tlsFingerprint]) => ({
            replica: REPLICA_NAMES[i],
            grafanaUrl,
            prometheusUrl,
            alertmanagerUrl,
            tlsFingerprint,
          }));
      }),
    );
    this.sshPrivateKey = hosts[0].privateKey;
    this.sshCommand = pulumi.interpolate`pulumi stack output --show-secrets monitoringSshKey > mon.key && chmod 600 mon.key && ssh -i mon.key ${SSH_USER}@${ip}`;
    this.registerOutputs({
      grafanaUrl: this.grafanaUrl,
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
      replicas: this.replicas,
    });
  }
}
