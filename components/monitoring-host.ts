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
} from "../monitoring-config";
import type { Arch } from "./config";
import { bundleTarBase64, unpackFromStdin } from "./bundle-archive";
import { DATA_DEVICE, Ec2Host, type HostPlacement } from "./host";
import { monitoringRolePolicy } from "./policy-documents";
import { SSH_USER, hostScript } from "./host-scripts";

const DATA_DIR = HOST_DATA_DIR;
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
}

/** Where it runs (HostPlacement) and what it watches. */
export interface MonitoringHostArgs extends HostPlacement {
  /** The stack's environment: the `stack` label of every series and alert. */
  readonly environment: "dev" | "prod";
  readonly monitoring: MonitoringStackArgs;
  /** CIDRs allowed to SSH in and to open the UIs. */
  readonly adminCidrs: readonly string[];
  /** Tags every discovered host carries (Project, Stack); Prometheus discovers by them. */
  readonly discoveryTags: Record<string, string>;
  /** The app: its security group (scrape ports are opened to this host only), metrics port, public URL to probe. */
  readonly app: {
    securityGroupId: pulumi.Input<string>;
    metricsPort: number;
    publicUrl: pulumi.Input<string>;
    /** The app edge's certificate (PEM): the only one blackbox_exporter trusts when it probes publicUrl. */
    tlsCertPem: pulumi.Input<string>;
    /** The app's log group: the only one the role may read (Grafana's CloudWatch Logs). */
    logGroupArn: pulumi.Input<string>;
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

    // --- identity: discovery, publishing alerts, reading CloudWatch for Grafana ---
    const rolePolicy = pulumi
      .all([args.topics.page, args.topics.ticket, args.topics.heartbeat, args.topics.keyArn, args.app.logGroupArn])
      .apply(([page, ticket, heartbeat, topicKeyArn, appLogGroupArn]) =>
        JSON.stringify(monitoringRolePolicy({ topicArns: [page, ticket, heartbeat], topicKeyArn, appLogGroupArn })),
      );
    const host = new Ec2Host(
      name,
      {
        role: HOST_ROLES.monitoring,
        arch: m.arch,
        instanceType: m.instanceType,
        amiId: m.amiId,
        vpcId: args.vpcId,
        subnet: args.subnet,
        rolePolicy,
        adminCidrs: args.adminCidrs,
        description: "Monitoring host",
        dataVolumeGiB: m.dataVolumeGiB,
        // Hop limit 1 (the default) is enough: Prometheus (EC2 discovery), Alertmanager (SNS) and Grafana
        // (CloudWatch) use the instance role from containers on the host network (docker-compose.yml).
        keepData: args.keepData,
        sshReady: args.sshReady,
        tags,
      },
      this,
    );

    // --- exposure: UIs from admins only; scrape ports on the app host open to this host's group only ---
    for (const port of Object.values(UI_PORTS)) {
      host.allowFrom(`admin-${port}`, port, args.adminCidrs, `admins: ${port}`, parent);
    }
    for (const [role, port] of [
      ["metrics", args.app.metricsPort],
      ["node", MONITORING_PORTS.nodeExporter],
    ] as const) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-scrape-${role}`,
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

    // --- the bundle: rendered from monitoring-config with this stack's targets, topic and password ---
    this.bundle = pulumi
      .all([
        pulumi.all([args.topics.page, args.topics.ticket, args.topics.heartbeat, this.webPassword, webSalt]),
        pulumi.all([host.tlsCertPem, host.tlsKeyPem, args.app.tlsCertPem]),
        args.app.publicUrl,
        password,
        m.slackWebhookUrl ?? pulumi.output(undefined),
        args.guardDutyRuleName,
      ])
      .apply(
        ([
          [page, ticket, heartbeat, webPassword, salt],
          [certPem, keyPem, probeCaPem],
          appUrl,
          grafanaAdminPassword,
          slackWebhookUrl,
          guardDutyRuleName,
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
            }),
          ),
      );
    this.bundle = pulumi.secret(this.bundle);
    // Only the secrets/ files hold credentials (monitoring-config/secrets.ts): the rest is plain configuration.
    this.config = pulumi.unsecret(this.bundle.apply((b) => splitSecrets(b).config));
    const secrets = this.bundle.apply((b) => splitSecrets(b).secrets);
    this.bundleHash = this.config.apply(bundleHash);
    const images = DEFAULT_IMAGES;

    // --- setup over SSH: bootstrap once per instance, then copy → validate → apply on every bundle change ---
    const connection = host.connection;
    const instanceId = host.instance.id;
    const bootstrapScript = hostScript("monitoring-bootstrap.sh");
    const bootstrap = new command.remote.Command(
      `${name}-bootstrap`,
      {
        connection,
        create: `export DATA_DEVICE=${DATA_DEVICE} DATA_DIR=${DATA_DIR}\n${bootstrapScript}`,
        triggers: [instanceId, bootstrapScript],
      },
      { parent: this, dependsOn: [host.attachment, host.addressAssociation] },
    );
    const copy = new command.remote.Command(
      `${name}-bundle`,
      {
        connection,
        create: unpackFromStdin(STAGED),
        stdin: this.config.apply(bundleTarBase64),
        triggers: [instanceId, this.bundleHash],
      },
      { parent: this, dependsOn: [bootstrap] },
    );
    const applyScript = hostScript("monitoring-apply.sh");
    new command.remote.Command(
      `${name}-apply`,
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
        triggers: [instanceId, this.bundleHash, pulumi.secret(secrets.apply(bundleHash)), applyScript],
      },
      { parent: this, dependsOn: [copy], additionalSecretOutputs: ["stdin"] },
    );

    const ip = host.publicIp;
    this.grafanaUrl = pulumi.interpolate`https://${ip}:${UI_PORTS.grafana}`;
    this.prometheusUrl = pulumi.interpolate`https://${ip}:${UI_PORTS.prometheus}`;
    this.alertmanagerUrl = pulumi.interpolate`https://${ip}:${UI_PORTS.alertmanager}`;
    this.tlsFingerprint = host.tlsFingerprint;
    this.sshPrivateKey = host.privateKey;
    this.sshCommand = pulumi.interpolate`pulumi stack output --show-secrets monitoringSshKey > mon.key && chmod 600 mon.key && ssh -i mon.key ${SSH_USER}@${ip}`;
    this.registerOutputs({
      grafanaUrl: this.grafanaUrl,
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
    });
  }
}
