import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { bundleHash, renderBundle, settingsForStack, type Bundle, type MonitoringSettings } from "../monitoring-config";
import type { Settings } from "./config";
import { SSH_USER, hostBasics, hostScript } from "./host-scripts";
import { NODE_EXPORTER_PORT } from "./observed-app";

const DATA_DEVICE = "/dev/sdf";
const DATA_DIR = "/srv/monitoring";
const STAGED = "/tmp/observed-app/bundle";
export const UI_PORTS = { grafana: 3000, prometheus: 9090, alertmanager: 9093 };

export interface MonitoringHostArgs {
  namePrefix: string;
  stack: "dev" | "prod";
  region: string;
  vpcId: pulumi.Input<string>;
  subnetId: pulumi.Input<string>;
  monitoring: Settings["monitoring"];
  access: Settings["access"];
  /** Tags every discovered host carries (Project, Stack); Prometheus discovers by them. */
  discoveryTags: Record<string, string>;
  /** The app: its security group (scrape ports are opened to this host only), metrics port, public URL to probe. */
  app: { securityGroupId: pulumi.Input<string>; metricsPort: number; publicUrl: pulumi.Input<string> };
  /** Alert topic (and its key) that Alertmanager publishes to with the instance role. */
  alertTopicArn: pulumi.Input<string>;
  alertTopicKeyArn: pulumi.Input<string>;
  /** EventBridge rule forwarding GuardDuty findings (for the Security dashboard). */
  guardDutyRuleName: pulumi.Input<string>;
  tags: Record<string, string>;
}

/** The monitoring settings this host renders, from plain values (exported so tests render the same bundle). */
export function hostMonitoringSettings(v: {
  stack: "dev" | "prod";
  region: string;
  discoveryTags: Record<string, string>;
  appMetricsPort: number;
  probeUrl: string;
  topicArn: string;
  slackWebhookUrl?: string;
  grafanaAdminPassword: string;
  guardDutyRuleName: string;
  retention: string;
}): MonitoringSettings {
  const sns = { topicArn: v.topicArn, region: v.region };
  const slack = v.slackWebhookUrl ? { slack: { apiUrl: v.slackWebhookUrl, channel: "#alerts" } } : {};
  return settingsForStack(v.stack, {
    targets: {
      kind: "ec2",
      region: v.region,
      tags: v.discoveryTags,
      appRole: "app",
      appMetricsPort: v.appMetricsPort,
      nodePort: NODE_EXPORTER_PORT,
      refreshInterval: "60s",
    },
    probeUrls: [`${v.probeUrl}/health`],
    retention: v.retention,
    dataDir: DATA_DIR,
    receivers: { page: { sns, ...slack }, ticket: { sns, ...slack }, heartbeat: { sns } },
    grafana: {
      adminPassword: v.grafanaAdminPassword,
      cloudwatch: { region: v.region, cisNamespace: "CISBenchmark", guardDutyRuleName: v.guardDutyRuleName },
    },
  });
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
  public readonly grafanaAdminPassword: pulumi.Output<string>;
  public readonly publicIp: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly sshPrivateKey: pulumi.Output<string>;
  public readonly sshCommand: pulumi.Output<string>;
  /** The rendered bundle (secret: it holds the Grafana password) and its hash, the re-apply trigger. */
  public readonly bundle: pulumi.Output<Bundle>;
  public readonly bundleHash: pulumi.Output<string>;

  constructor(name: string, args: MonitoringHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observed-app:index:MonitoringHost", name, {}, opts);
    const parent = { parent: this };
    const m = args.monitoring;
    const tags = args.tags;
    const keep: pulumi.CustomResourceOptions = m.retainData
      ? { parent: this, protect: true, retainOnDelete: true }
      : { parent: this };

    const password =
      m.grafanaAdminPassword ??
      new random.RandomPassword(`${name}-grafana-admin`, { length: 24, special: false }, parent).result;
    this.grafanaAdminPassword = pulumi.secret(password);

    // --- identity: discovery, publishing alerts, reading CloudWatch for Grafana ---
    const rolePolicy = pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Ec2Discovery",
          Effect: "Allow",
          Action: ["ec2:DescribeInstances", "ec2:DescribeAvailabilityZones"],
          Resource: "*",
        },
        { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: args.alertTopicArn },
        {
          Sid: "AlertTopicKey",
          Effect: "Allow",
          Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
          Resource: args.alertTopicKeyArn,
        },
        {
          Sid: "GrafanaCloudWatch",
          Effect: "Allow",
          Action: [
            "cloudwatch:GetMetricData",
            "cloudwatch:ListMetrics",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:DescribeAlarmsForMetric",
            "cloudwatch:GetMetricStatistics",
            "logs:DescribeLogGroups",
            "logs:GetLogEvents",
            "logs:FilterLogEvents",
            "logs:StartQuery",
            "logs:StopQuery",
            "logs:GetQueryResults",
            "tag:GetResources",
            "ec2:DescribeRegions",
          ],
          Resource: "*",
        },
      ],
    } satisfies aws.iam.PolicyDocument);
    const host = hostBasics(name, { arch: m.arch, rolePolicy, tags }, this);

    // --- exposure: UIs and SSH from admins only; scrape ports on the app host open to this SG only ---
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId: args.vpcId, description: "Monitoring host", tags: { ...tags, Name: `${name}-sg` } },
      parent,
    );
    const uiPorts = [22, UI_PORTS.grafana, UI_PORTS.prometheus, UI_PORTS.alertmanager];
    args.access.adminCidrs.forEach((cidr, i) =>
      uiPorts.forEach(
        (port) =>
          new aws.vpc.SecurityGroupIngressRule(
            `${name}-admin-${port}-${i}`,
            {
              securityGroupId: sg.id,
              ipProtocol: "tcp",
              fromPort: port,
              toPort: port,
              cidrIpv4: cidr,
              description: `admins: ${port}`,
            },
            parent,
          ),
      ),
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-egress`,
      { securityGroupId: sg.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "scrapes, SNS, images" },
      parent,
    );
    for (const [role, port] of [
      ["metrics", args.app.metricsPort],
      ["node", NODE_EXPORTER_PORT],
    ] as const) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-scrape-${role}`,
        {
          securityGroupId: args.app.securityGroupId,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          referencedSecurityGroupId: sg.id,
          description: `Prometheus scrapes ${role}`,
        },
        parent,
      );
    }

    // --- host and its data volume ---
    const instance = new aws.ec2.Instance(
      `${name}-host`,
      {
        ami: host.amiId,
        instanceType: m.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [sg.id],
        iamInstanceProfile: host.profile.name,
        keyName: host.keyPair.keyName,
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
        rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 16 },
        tags: { ...tags, Name: `${name}-host`, Role: "monitoring" },
      },
      parent,
    );
    const volume = new aws.ebs.Volume(
      `${name}-data`,
      {
        availabilityZone: instance.availabilityZone,
        size: m.dataVolumeGiB,
        type: "gp3",
        encrypted: true,
        tags: { ...tags, Name: `${name}-data` },
      },
      keep,
    );
    const attachment = new aws.ec2.VolumeAttachment(
      `${name}-data`,
      { instanceId: instance.id, volumeId: volume.id, deviceName: DATA_DEVICE, stopInstanceBeforeDetaching: true },
      parent,
    );

    // --- the bundle: rendered from monitoring-config with this stack's targets, topic and password ---
    this.bundle = pulumi
      .all([
        args.alertTopicArn,
        args.app.publicUrl,
        password,
        m.slackWebhookUrl ?? pulumi.output(undefined),
        args.guardDutyRuleName,
      ])
      .apply(([topicArn, probeUrl, grafanaAdminPassword, slackWebhookUrl, guardDutyRuleName]) =>
        renderBundle(
          hostMonitoringSettings({
            stack: args.stack,
            region: args.region,
            discoveryTags: args.discoveryTags,
            appMetricsPort: args.app.metricsPort,
            probeUrl,
            topicArn,
            slackWebhookUrl,
            grafanaAdminPassword,
            guardDutyRuleName,
            retention: m.prometheusRetention,
          }),
        ),
      );
    this.bundle = pulumi.secret(this.bundle);
    this.bundleHash = this.bundle.apply(bundleHash);
    const images = settingsForStack(args.stack).images;

    // --- setup over SSH: bootstrap once per instance, then copy → validate → apply on every bundle change ---
    const connection = host.connection(instance.publicIp);
    const bootstrapScript = hostScript("monitoring-bootstrap.sh");
    const bootstrap = new command.remote.Command(
      `${name}-bootstrap`,
      {
        connection,
        create: `export DATA_DEVICE=${DATA_DEVICE} DATA_DIR=${DATA_DIR}\n${bootstrapScript}`,
        triggers: [instance.id, bootstrapScript],
      },
      { parent: this, dependsOn: [attachment] },
    );
    const stage = new command.remote.Command(
      `${name}-stage`,
      { connection, create: `rm -rf ${STAGED} && mkdir -p ${STAGED}`, triggers: [this.bundleHash] },
      { parent: this, dependsOn: [bootstrap] },
    );
    const copy = new command.remote.CopyToRemote(
      `${name}-bundle`,
      {
        connection,
        source: this.bundle.apply(
          (b) =>
            new pulumi.asset.AssetArchive(
              Object.fromEntries(
                Object.entries(b).map(([path, content]) => [path, new pulumi.asset.StringAsset(content)]),
              ),
            ),
        ),
        remotePath: STAGED,
        triggers: [this.bundleHash],
      },
      { parent: this, dependsOn: [stage] },
    );
    const applyScript = hostScript("monitoring-apply.sh");
    new command.remote.Command(
      `${name}-apply`,
      {
        connection,
        create: `export STAGED=${STAGED} PROMETHEUS_IMAGE=${images.prometheus} ALERTMANAGER_IMAGE=${images.alertmanager}\n${applyScript}`,
        triggers: [this.bundleHash, applyScript],
      },
      { parent: this, dependsOn: [copy] },
    );

    this.publicIp = instance.publicIp;
    this.grafanaUrl = pulumi.interpolate`http://${instance.publicIp}:${UI_PORTS.grafana}`;
    this.prometheusUrl = pulumi.interpolate`http://${instance.publicIp}:${UI_PORTS.prometheus}`;
    this.alertmanagerUrl = pulumi.interpolate`http://${instance.publicIp}:${UI_PORTS.alertmanager}`;
    this.securityGroupId = sg.id;
    this.sshPrivateKey = pulumi.secret(host.key.privateKeyOpenssh);
    this.sshCommand = pulumi.interpolate`pulumi stack output --show-secrets monitoringSshKey > mon.key && chmod 600 mon.key && ssh -i mon.key ${SSH_USER}@${instance.publicIp}`;
    this.registerOutputs({
      grafanaUrl: this.grafanaUrl,
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
    });
  }
}
