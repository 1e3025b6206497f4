/**
 * What `npm run render -- --stack dev|prod` shows: the stack's own settings (Pulumi.yaml + Pulumi.<stack>.yaml,
 * validated by the parser `pulumi up` uses) through the one mapping MonitoringHost calls
 * (components/monitoring-inputs.ts), with a plain marker such as `<account id>` for every value only a deployment
 * knows, shaped as the stack deploys it: the HA pair's peers, the managed workspace, TLS, the fleet's dimensions.
 * tests/infra/render-parity*.test.ts hold it equal to what the component ships.
 */
import { parseSettings, SECRET_KEYS, type RawConfig, type Settings, type Environment } from "../../components/config";
import {
  monitoringSettingsFor,
  replicaName,
  type DeployedValues,
  type MonitoringHostSettings,
} from "../../components/monitoring-inputs";
import { awsNames, renderBundle, stackPrefix, type Bundle } from "../../monitoring-config";
import { projectName, stackConfig } from "./stack-config";

/**
 * The markers that stand for deploy-time values (each `<…>`: a preview render skips their format checks). A
 * certificate's marker stays under 40 characters, the part of a certificate that validation quotes.
 */
export const MARKERS = {
  accountId: "<account id>",
  appUrl: "<appUrl from stack output>",
  grafanaAdminPassword: "<grafanaAdminPassword: stack secret or generated>",
  webPassword: "<monitoringPassword: generated, stack output>",
  slackWebhookUrl: "<slackWebhookUrl: stack secret>",
  appCertificate: "<app host TLS certificate>",
  workspaceId: "<workspace id>",
  loadBalancer: "<load balancer ARN suffix>",
  targetGroup: "<target group ARN suffix>",
  dbInstance: "<database identifier>",
  certificate: (host: string) => `<monitoring ${host} TLS certificate>`,
  key: (host: string) => `<monitoring ${host} TLS key>`,
  privateIp: (host: string) => `<monitoring ${host} private ip>`,
};

/** A dev/prod stack's settings, and which of its secrets are set (render reads none of them). */
export interface StackSource {
  readonly settings: Settings;
  /** The stack sets `slackWebhookUrl`. */
  readonly slack: boolean;
}

/** The stack's settings as `pulumi up` would parse them, its encrypted secrets left out. */
export function stackSource(stack: Environment): StackSource {
  const project = projectName();
  const config = stackConfig(stack);
  const raw: RawConfig = {};
  for (const [k, v] of Object.entries(config)) if (k.startsWith(`${project}:`)) raw[k.slice(project.length + 1)] = v;
  // Secrets are encrypted in the stack file and render does not decrypt them: the required API token gets a
  // marker (it never reaches the bundle), Grafana's password and the Slack URL are marked in deployedMarkers.
  const slack = raw.slackWebhookUrl !== undefined;
  for (const k of SECRET_KEYS) delete raw[k];
  raw.apiToken = "<apiToken: stack secret, not read by render>";
  return { settings: parseSettings(raw, { project, stack, region: config["aws:region"] }), slack };
}

/** What index.ts hands the MonitoringHost, as the plain values the mapping reads. */
export function hostSettings(s: Settings): MonitoringHostSettings {
  return {
    environment: s.environment,
    region: s.region,
    discoveryTags: { Project: s.tags.Project, Stack: s.tags.Stack },
    app: { metricsPort: s.app.metricsPort },
    monitoring: s.monitoring,
  };
}

/** Replica `replica`'s deployed values as markers, present exactly where this stack deploys them. */
export function deployedMarkers(source: StackSource, replica: number, grafanaPassword?: string): DeployedValues {
  const s = source.settings;
  const prefix = stackPrefix(s.project, s.stack);
  const topic = (name: string) => `arn:aws:sns:${s.region}:${MARKERS.accountId}:${name}`;
  const fleet = s.app.tier === "fleet";
  // A single host is just "the monitoring host"; a pair's members go by their replica names.
  const self = s.monitoring.replicas > 1 ? replicaName(replica) : "host";
  return {
    topicArns: {
      page: topic(awsNames.alertTopic(prefix)),
      ticket: topic(awsNames.ticketTopic(prefix)),
      heartbeat: topic(awsNames.heartbeatTopic(prefix)),
    },
    appUrl: MARKERS.appUrl,
    grafanaAdminPassword: grafanaPassword ?? MARKERS.grafanaAdminPassword,
    web: { password: MARKERS.webPassword },
    tls: { certPem: MARKERS.certificate(self), keyPem: MARKERS.key(self) },
    // The app host's edge presents a self-signed certificate; the fleet's load balancer a public one, or none.
    probeCaPem: fleet ? undefined : MARKERS.appCertificate,
    workspaceEndpoint: s.monitoring.managedPrometheus
      ? `https://aps-workspaces.${s.region}.amazonaws.com/workspaces/${MARKERS.workspaceId}/`
      : undefined,
    pair:
      s.monitoring.replicas > 1
        ? Array.from({ length: s.monitoring.replicas }, (_, i) => ({
            privateIp: MARKERS.privateIp(replicaName(i)),
            certPem: MARKERS.certificate(replicaName(i)),
          }))
        : undefined,
    fleet: fleet
      ? { loadBalancer: MARKERS.loadBalancer, targetGroup: MARKERS.targetGroup, dbInstance: MARKERS.dbInstance }
      : undefined,
    guardDutyRuleName: awsNames.guardDutyFindingsRule(prefix),
    slackWebhookUrl: source.slack ? MARKERS.slackWebhookUrl : undefined,
  };
}

/**
 * The bundle of one replica (default the first, `a`) of a dev/prod stack's monitoring host, exactly as the stack
 * would deploy it but for the values only a deployment knows, and a one-line summary of what it holds.
 */
export function renderStack(
  stack: Environment,
  opts: { replica?: number; grafanaPassword?: string } = {},
): { bundle: Bundle; summary: string } {
  const source = stackSource(stack);
  const s = source.settings;
  const replica = opts.replica ?? 0;
  const monitoring = monitoringSettingsFor(
    hostSettings(s),
    deployedMarkers(source, replica, opts.grafanaPassword),
    replica,
  );
  const shows = [
    monitoring.ha
      ? `HA pair: replica ${monitoring.ha.replica} of ${s.monitoring.replicas}, Alertmanager clustered with ` +
        monitoring.ha.clusterPeers.join(", ")
      : "one monitoring host",
    monitoring.remoteWrite
      ? "remote_write to Amazon Managed Service for Prometheus"
      : "no long-term storage (managedPrometheus off)",
    monitoring.tls ? "TLS on every UI" : "no TLS",
    `app tier ${s.app.tier}`,
  ];
  const summary =
    `stack ${stack} (environment ${s.environment}, region ${s.region}): retention ${monitoring.retention}, ` +
    `scrape ${monitoring.scrapeInterval}, evaluation ${monitoring.evaluationInterval}; ${shows.join("; ")}; ` +
    `values known only after deployment are shown as <…>`;
  return { bundle: renderBundle(monitoring, { preview: true }), summary };
}
