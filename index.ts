/**
 * The stack: settings → Network → SecurityBaseline → (ObservedApp → MonitoringHost) → outputs.
 * Composition only; every decision lives in components/ and every value in Pulumi.<stack>.yaml.
 */
import { loadSettings } from "./components/config";
import { Network } from "./components/network";
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

// hosts: ObservedApp and MonitoringHost are composed here (issue 5).

export const vpcId = network.vpcId;
export const alertTopicArn = security.alertTopicArn;
export const trailName = security.trailName;
export const trailBucket = security.trailBucketName;
export const guardDutyDetectorId = security.guardDutyDetectorId;
export const logGroups = security.logGroupNames;
