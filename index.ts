/**
 * The stack: settings → Network → SecurityBaseline → ObservedApp → MonitoringHost → outputs.
 * Composition only: what differs per stack is read from Pulumi.<stack>.yaml by components/config.ts (declared
 * once in its CONFIG_SCHEMA); what is the same everywhere (alert thresholds, the SLO, scrape intervals, pinned
 * images) lives in monitoring-config. Each component takes its own documented args; this file maps onto them.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadSettings } from "./components/config";
import { checkBuildPlatform, checkDeployerAddress, enforce, probesFromEnv } from "./components/preflight";
import { Database } from "./components/database";
import { MonitoringHost } from "./components/monitoring-host";
import { Network } from "./components/network";
import { ObservedApp } from "./components/observed-app";
import { SecurityBaseline } from "./components/security-baseline";
import { stackPrefix } from "./monitoring-config/contract";
import { FLEET_ENDPOINT_SERVICES } from "./components/app-fleet";
import { refreshFailedRuleName } from "./components/fleet/refresh";

const settings = loadSettings();
const prefix = stackPrefix(settings.project, settings.stack);
const { keepData } = settings.protection;

// What this machine must be able to do (SSH into adminCidrs, build the hosts' platform): checked before the
// steps that need it start; a warning in a preview.
const probes = probesFromEnv();
const gate = { dryRun: pulumi.runtime.isDryRun(), warn: (m: string) => pulumi.log.warn(m) };
const sshReady = probes
  ? enforce(
      probes.publicIp().then((ip) => checkDeployerAddress(ip, settings.access.adminCidrs)),
      gate,
    )
  : undefined;
const buildReady = probes
  ? enforce(
      probes.buildxPlatforms().then((p) => checkBuildPlatform(p, settings.app.arch)),
      gate,
    )
  : undefined;

const fleet = settings.app.tier === "fleet";

const network = new Network(prefix, {
  vpcCidr: settings.network.vpcCidr,
  azCount: settings.network.azCount,
  region: settings.region,
  // The fleet's private subnets reach ECR, CloudWatch Logs and Secrets Manager through interface endpoints in
  // two zones (README, "Cost": cheaper than a NAT gateway per zone), S3 through the free gateway endpoint.
  private: fleet ? { endpointServices: FLEET_ENDPOINT_SERVICES, endpointZones: 2 } : undefined,
  tags: settings.tags,
});

const security = new SecurityBaseline(prefix, {
  namePrefix: prefix,
  region: settings.region,
  vpcId: network.vpcId,
  security: settings.security,
  keepData,
  alertEmail: settings.monitoring.alertEmail,
  // The fleet's rule paging on an instance refresh that did not roll out publishes to the page topic.
  pageEventRules: fleet ? [refreshFailedRuleName(prefix)] : undefined,
  tags: settings.tags,
});

// The app host and the first monitoring host live in the first public subnet (the data volumes are created in
// its zone); a second monitoring host (monitoringReplicas: 2) in the next zone's.
const subnet = network.publicSubnets[0];

// The fleet's database, in the private subnets; the app admits itself to it.
const database = fleet
  ? new Database(`${prefix}-db`, {
      namePrefix: prefix,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnets.map((s) => s.id),
      instanceClass: settings.database.instanceClass,
      storageGiB: settings.database.storageGiB,
      backupRetentionDays: settings.database.backupRetentionDays,
      keepData,
      logRetentionDays: settings.app.logRetentionDays,
      pageTopicArn: security.topics.page,
      tags: settings.tags,
    })
  : undefined;

const app = new ObservedApp(`${prefix}-app`, {
  namePrefix: prefix,
  region: settings.region,
  vpcId: network.vpcId,
  subnet,
  app: settings.app,
  access: settings.access,
  keepData,
  repoRoot: __dirname,
  buildReady,
  sshReady,
  fleet: database && {
    vpcCidr: settings.network.vpcCidr,
    publicSubnetIds: network.publicSubnets.map((s) => s.id),
    privateSubnetIds: network.privateSubnets.map((s) => s.id),
    s3PrefixListId: network.s3PrefixListId!,
    minSize: settings.fleet.minSize,
    maxSize: settings.fleet.maxSize,
    domain: settings.fleet.domain,
    waf: settings.fleet.waf.enabled ? { rateLimit: settings.fleet.waf.rateLimit } : undefined,
    database,
    pageTopicArn: security.topics.page,
    forceDestroy: settings.security.forceDestroy,
  },
  tags: settings.tags,
});

const monitoring = new MonitoringHost(`${prefix}-monitoring`, {
  environment: settings.environment,
  region: settings.region,
  vpcId: network.vpcId,
  subnet,
  peerSubnets: network.publicSubnets.slice(1, settings.monitoring.replicas),
  monitoring: settings.monitoring,
  adminCidrs: settings.access.adminCidrs,
  keepData,
  sshReady,
  discoveryTags: { Project: settings.tags.Project, Stack: settings.tags.Stack },
  app: {
    securityGroupId: app.securityGroupId,
    metricsPort: settings.app.metricsPort,
    publicUrl: app.publicUrl,
    tlsCertPem: app.tlsCertPem,
    logGroupArn: app.logGroupArn,
    fleet:
      app.frontDoor && database
        ? {
            loadBalancer: app.frontDoor.loadBalancerArnSuffix,
            targetGroup: app.frontDoor.targetGroupArnSuffix,
            dbInstance: database.identifier,
          }
        : undefined,
  },
  topics: security.topics,
  guardDutyRuleName: security.guardDutyRuleName,
  tags: settings.tags,
});

export const appUrl = app.publicUrl;
export const grafanaUrl = monitoring.grafanaUrl;
export const prometheusUrl = monitoring.prometheusUrl;
export const alertmanagerUrl = monitoring.alertmanagerUrl;
/** SHA-256 fingerprints of the self-signed certificates: compare them in the browser; `npm run verify` pins them. */
export const appCertificateSha256 = app.tlsFingerprint;
export const monitoringCertificateSha256 = monitoring.tlsFingerprint;
/** Every monitoring host's UIs and certificate fingerprint (two in an HA pair; the first is the one above). */
export const monitoringReplicas = monitoring.replicas;
/** The managed workspace (long-term storage), when `managedPrometheus` is on. */
export const managedPrometheusWorkspaceId = monitoring.workspace?.id;
export const managedPrometheusRemoteWriteUrl = monitoring.workspace?.remoteWriteUrl;
export const grafanaAdminPassword = pulumi.secret(monitoring.grafanaAdminPassword);
/** Basic auth of the Prometheus and Alertmanager UIs/APIs (user, and the generated password as a secret). */
export const monitoringUser = monitoring.webUser;
export const monitoringPassword = monitoring.webPassword;
export const sshCommand = monitoring.sshCommand;
export const monitoringSshKey = monitoring.sshPrivateKey;
export const appSshKey = app.sshPrivateKey;
export const imageDigest = app.imageDigest;
/** The fleet: its Auto Scaling group, load balancer, web ACL and database (absent for the host tier). */
export const appTier = settings.app.tier;
export const appAutoScalingGroup = app.fleet?.groupName;
export const loadBalancerDnsName = app.frontDoor?.dnsName;
export const webAclArn = app.frontDoor?.webAclArn;
export const appTargetGroupArn = app.frontDoor?.targetGroupArn;
export const databaseIdentifier = database?.identifier;
export const databaseEndpoint = database?.address;
export const environment = settings.environment;
export const databaseSecretArn = database?.secretArn;
export const vpcId = network.vpcId;
export const alertTopicArn = security.topics.page;
export const ticketTopicArn = security.topics.ticket;
export const heartbeatTopicArn = security.topics.heartbeat;
export const trailName = security.trailName;
export const trailBucket = security.trailBucketName;
export const guardDutyDetectorId = security.guardDutyDetectorId;
export const logGroups = pulumi
  .all([security.logGroupNames, app.logGroupName])
  .apply(([baseline, appLogs]) => ({ ...baseline, app: appLogs }));
