/**
 * The stack: settings → Network → SecurityBaseline → ObservedApp → MonitoringHost → outputs.
 * Composition only; every decision lives in components/ and every value in Pulumi.<stack>.yaml.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadSettings } from "./components/config";
import { MonitoringHost } from "./components/monitoring-host";
import { Network } from "./components/network";
import { ObservedApp } from "./components/observed-app";
import { SecurityBaseline } from "./components/security-baseline";

const settings = loadSettings();
const prefix = `${settings.project}-${settings.stack}`;

const network = new Network(prefix, {
  vpcCidr: settings.network.vpcCidr,
  azCount: settings.network.azCount,
  tags: settings.tags,
});

const security = new SecurityBaseline(prefix, {
  namePrefix: prefix,
  region: settings.region,
  vpcId: network.vpcId,
  security: settings.security,
  alertEmail: settings.monitoring.alertEmail,
  tags: settings.tags,
});

const subnetId = network.publicSubnetIds.apply((ids) => ids[0]);

const app = new ObservedApp(`${prefix}-app`, {
  namePrefix: prefix,
  region: settings.region,
  vpcId: network.vpcId,
  subnetId,
  app: settings.app,
  access: settings.access,
  forceDelete: !settings.isProd,
  retainData: settings.isProd,
  repoRoot: __dirname,
  tags: settings.tags,
});

const monitoring = new MonitoringHost(`${prefix}-monitoring`, {
  namePrefix: prefix,
  stack: settings.isProd ? "prod" : "dev",
  region: settings.region,
  vpcId: network.vpcId,
  subnetId,
  monitoring: settings.monitoring,
  access: settings.access,
  discoveryTags: { Project: settings.tags.Project, Stack: settings.tags.Stack },
  app: { securityGroupId: app.securityGroupId, metricsPort: settings.app.metricsPort, publicUrl: app.publicUrl },
  alertTopicArn: security.alertTopicArn,
  alertTopicKeyArn: security.alertTopicKeyArn,
  guardDutyRuleName: security.guardDutyRuleName,
  tags: settings.tags,
});

export const appUrl = app.publicUrl;
export const grafanaUrl = monitoring.grafanaUrl;
export const prometheusUrl = monitoring.prometheusUrl;
export const alertmanagerUrl = monitoring.alertmanagerUrl;
export const grafanaAdminPassword = pulumi.secret(monitoring.grafanaAdminPassword);
export const sshCommand = monitoring.sshCommand;
export const monitoringSshKey = monitoring.sshPrivateKey;
export const appSshKey = app.sshPrivateKey;
export const imageDigest = app.imageDigest;
export const vpcId = network.vpcId;
export const alertTopicArn = security.alertTopicArn;
export const trailName = security.trailName;
export const trailBucket = security.trailBucketName;
export const guardDutyDetectorId = security.guardDutyDetectorId;
export const logGroups = pulumi
  .all([security.logGroupNames, app.logGroupName])
  .apply(([baseline, appLogs]) => ({ ...baseline, app: appLogs }));
