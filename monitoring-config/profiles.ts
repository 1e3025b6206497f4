/**
 * Complete monitoring settings per profile, as pure builders: `local` (npm run local), `test` (the same rules
 * with fast clocks, for end-to-end tests) and the AWS stacks, which are built only from the deployment's real
 * inputs (region, discovery tags, topic, app URL, …): nothing here invents an account, a region or a URL.
 */
import { APP_JOB, CIS_NAMESPACE, DEFAULT_PORTS, HEALTH_PATH, HOST_ROLES, MONITORING_PORTS } from "./contract";
import { DEFAULT_IMAGES } from "./images";
import { durationSeconds } from "./durations";
import { burn, DEFAULT_ALERTMANAGER, DEFAULT_SLO, DEFAULT_THRESHOLDS } from "./thresholds";
import {
  STACKS,
  type DeepPartial,
  type FleetMetrics,
  type HaSettings,
  type MonitoringSettings,
  type RemoteWriteSettings,
  type StackName,
  type Targets,
} from "./types";
import { SettingsError } from "./validation";

export type LocalPorts = Record<
  "app" | "appMetrics" | "prometheus" | "alertmanager" | "node" | "blackbox" | "receiver" | "grafana" | "longterm",
  number
>;

/** Ports of `npm run local` on one machine (Grafana moves to 3001 because the app has 3000). */
export const LOCAL_PORTS: LocalPorts = {
  app: DEFAULT_PORTS.app,
  appMetrics: DEFAULT_PORTS.metrics,
  prometheus: MONITORING_PORTS.prometheus,
  alertmanager: MONITORING_PORTS.alertmanager,
  node: MONITORING_PORTS.nodeExporter,
  blackbox: MONITORING_PORTS.blackbox,
  receiver: 9094,
  grafana: 3001,
  // The long-term store of `npm run local -- --remote-write`: a second Prometheus with the remote-write receiver.
  longterm: 9091,
};

const RUNBOOKS = "https://github.com/observed-app/observed-app/blob/main/docs/runbooks.md";

/** Where the monitoring host keeps its data (the mount point of its EBS volume). */
export const HOST_DATA_DIR = "/srv/monitoring";

/**
 * Everything that says where things are on one machine (loopback): listeners, scrape targets, the probed URL
 * and the local receiver's routes. `npm run local` and the tests call it with their own ports.
 */
export function localEndpoints(
  p: LocalPorts,
): Pick<MonitoringSettings, "listen" | "targets" | "probeUrls" | "receivers"> {
  const receiver = `http://127.0.0.1:${p.receiver}`;
  return {
    listen: {
      host: "127.0.0.1",
      prometheusPort: p.prometheus,
      alertmanagerPort: p.alertmanager,
      blackboxPort: p.blackbox,
      grafanaPort: p.grafana,
    },
    targets: { kind: "static", app: [`127.0.0.1:${p.appMetrics}`], node: [`127.0.0.1:${p.node}`] },
    probeUrls: [`http://127.0.0.1:${p.app}${HEALTH_PATH}`],
    receivers: {
      page: { webhook: { url: `${receiver}/page` } },
      ticket: { webhook: { url: `${receiver}/ticket` } },
      heartbeat: { webhook: { url: `${receiver}/heartbeat` } },
    },
  };
}

function base(stack: StackName): MonitoringSettings {
  return {
    stack,
    ...localEndpoints(LOCAL_PORTS),
    scrapeInterval: "15s",
    evaluationInterval: "15s",
    scrapeTimeout: "10s",
    alertResendDelay: "1m",
    retention: "15d",
    thresholds: { ...DEFAULT_THRESHOLDS },
    slo: structuredClone(DEFAULT_SLO),
    alertmanager: { ...DEFAULT_ALERTMANAGER },
    grafana: { adminPassword: "" },
    runbookBaseUrl: RUNBOOKS,
    appJob: APP_JOB,
    images: { ...DEFAULT_IMAGES },
    dataDir: HOST_DATA_DIR,
  };
}

/** Short intervals for end-to-end tests: the same rules and routes, only the clocks are faster. */
function testProfile(): MonitoringSettings {
  const s = base("test");
  s.scrapeInterval = "1s";
  s.evaluationInterval = "1s";
  s.scrapeTimeout = "1s";
  s.alertResendDelay = "2s";
  s.thresholds = {
    ...s.thresholds,
    rateWindow: "10s",
    serviceDownFor: "2s",
    serviceTargetMissingFor: "3s",
    errorRateFor: "3s",
    latencyFor: "5s",
    slowQueriesFor: "3s",
    authFailuresFor: "3s",
    rateLimitedFor: "3s",
    probeFailedFor: "3s",
    targetDownFor: "3s",
    metaFor: "3s",
    remoteWriteBehindSeconds: 15,
  };
  s.slo = {
    ...s.slo,
    period: "10m",
    page: [burn("30s", "10s", 14.4), burn("1m", "20s", 6)],
    ticket: [burn("2m", "40s", 3), burn("3m", "1m", 1)],
  };
  s.alertmanager = {
    groupWait: "1s",
    groupInterval: "2s",
    repeatInterval: "1m",
    pageGroupWait: "1s",
    heartbeatRepeatInterval: "30s",
  };
  return s;
}

/**
 * remote_write's queue for an expected number of active series scraped every `scrapeIntervalSeconds`:
 * - a request carries up to 1 000 samples (Amazon Managed Service for Prometheus's advice; well under its 1 MB
 *   request limit with our label sets);
 * - each shard buffers 5 batches (Prometheus's advice: 3 to 10 × max_samples_per_send): a slow request does not
 *   stall the WAL reader for the other shards;
 * - enough shards to send 50 × the live rate, taking a round trip of 250 ms (SigV4 over the internet) as the
 *   cost of one batch, so a backlog (an outage of the endpoint, replayed from the WAL for up to 2 h) drains in
 *   about 1/50 of its length; at least 4, at most 50 (Prometheus's default ceiling; memory grows with
 *   shards × (capacity + max_samples_per_send) samples);
 * - retries back off from 30 ms to 5 s (Prometheus's defaults): a receiver down for minutes is retried every 5 s.
 */
export function remoteWriteQueue(expectedSeries: number, scrapeIntervalSeconds: number): RemoteWriteSettings["queue"] {
  const maxSamplesPerSend = 1000;
  const perShardPerSecond = maxSamplesPerSend / 0.25;
  const liveRate = expectedSeries / scrapeIntervalSeconds;
  return {
    capacity: 5 * maxSamplesPerSend,
    maxShards: Math.min(50, Math.max(4, Math.ceil((50 * liveRate) / perShardPerSecond))),
    minShards: 1,
    maxSamplesPerSend,
    batchSendDeadline: "5s",
    minBackoff: "30ms",
    maxBackoff: "5s",
  };
}

/** The basic-auth user of Prometheus and Alertmanager on AWS (its password is generated per stack). */
export const AWS_WEB_USER = "monitoring";

/** The real inputs of an AWS stack's monitoring host: every value comes from the stack or its resources. */
export interface AwsMonitoringInputs {
  /** The stack's environment (Pulumi config `environment`): the `stack` external label of every series. */
  environment: "dev" | "prod";
  /** AWS region of the stack (EC2 discovery, SNS, CloudWatch). */
  region: string;
  /** Tags every discovered host carries (Project, Stack); Prometheus discovers by them. */
  discoveryTags: Record<string, string>;
  /** The app's metrics port (stack config `appMetricsPort`). */
  appMetricsPort: number;
  /** The app's public base URL; blackbox_exporter probes its health path. */
  appUrl: string;
  /** SNS topics Alertmanager publishes to: pages, tickets and the Watchdog heartbeat, each its own. */
  topicArns: { page: string; ticket: string; heartbeat: string };
  /** Slack incoming webhook that also receives pages and tickets (optional). */
  slackWebhookUrl?: string;
  grafanaAdminPassword: string;
  /** EventBridge rule forwarding GuardDuty findings (the Security dashboard graphs its invocations). */
  guardDutyRuleName: string;
  /** Prometheus TSDB retention (stack config `prometheusRetention`). */
  retention: string;
  /**
   * Basic auth of Prometheus and Alertmanager (web.yml holds the bcrypt hash; Grafana, Prometheus's own scrapes
   * and its alerting carry the password). Always on AWS: the UIs listen on a public address.
   */
  basicAuth: { username: string; password: string; salt?: string };
  /** The host's certificate and key, and the app edge's certificate blackbox trusts (MonitoringSettings.tls). */
  tls?: { certPem: string; keyPem: string; probeCaPem?: string };
  /**
   * The Amazon Managed Service for Prometheus workspace this host remote-writes to (SigV4 with the instance
   * role) and Grafana queries as a second datasource; the queue is sized for `expectedSeries`.
   */
  managedPrometheus?: { workspaceEndpoint: string; expectedSeries: number };
  /** This host's part in an HA pair (MonitoringSettings.ha). */
  ha?: HaSettings;
  /** The app fleet's load balancer and database (appTier fleet): their CloudWatch panels on the Service dashboard. */
  fleet?: FleetMetrics;
}

/** AWS stacks: discovery by tag, notifications to the SNS alert topic, CloudWatch panels in Grafana. */
export function awsMonitoringSettings(v: AwsMonitoringInputs): MonitoringSettings {
  const s = base(v.environment);
  const sns = (topicArn: string) => ({ sns: { topicArn, region: v.region } });
  const slack = v.slackWebhookUrl ? { slack: { apiUrl: v.slackWebhookUrl, channel: "#alerts" } } : {};
  s.listen.host = "0.0.0.0";
  s.listen.grafanaPort = MONITORING_PORTS.grafana;
  s.targets = {
    kind: "ec2",
    region: v.region,
    tags: v.discoveryTags,
    appRole: HOST_ROLES.app,
    appMetricsPort: v.appMetricsPort,
    nodePort: MONITORING_PORTS.nodeExporter,
    refreshInterval: "60s",
  };
  s.probeUrls = [`${v.appUrl}${HEALTH_PATH}`];
  s.retention = v.retention;
  s.basicAuth = v.basicAuth;
  s.tls = v.tls;
  s.receivers = {
    page: { ...sns(v.topicArns.page), ...slack },
    ticket: { ...sns(v.topicArns.ticket), ...slack },
    heartbeat: sns(v.topicArns.heartbeat),
  };
  s.grafana = {
    adminPassword: v.grafanaAdminPassword,
    cloudwatch: {
      region: v.region,
      cisNamespace: CIS_NAMESPACE,
      guardDutyRuleName: v.guardDutyRuleName,
      ...(v.fleet ? { fleet: v.fleet } : {}),
    },
    ...(v.managedPrometheus
      ? { managedPrometheus: { url: v.managedPrometheus.workspaceEndpoint, region: v.region } }
      : {}),
  };
  if (v.managedPrometheus) {
    s.remoteWrite = {
      url: `${v.managedPrometheus.workspaceEndpoint.replace(/\/?$/, "/")}api/v1/remote_write`,
      sigv4Region: v.region,
      queue: remoteWriteQueue(v.managedPrometheus.expectedSeries, durationSeconds(s.scrapeInterval)),
    };
  }
  if (v.ha) s.ha = v.ha;
  return s;
}

function merge<T>(target: T, patch: DeepPartial<T> | undefined): T {
  if (!patch) return target;
  for (const [k, v] of Object.entries(patch) as [keyof T, unknown][]) {
    if (v === undefined) continue;
    const cur = target[k];
    if (v && typeof v === "object" && !Array.isArray(v) && cur && typeof cur === "object" && !Array.isArray(cur)) {
      target[k] = merge(cur, v as DeepPartial<typeof cur>);
    } else {
      target[k] = v as T[keyof T];
    }
  }
  return target;
}

/**
 * `overrides` replace any part of complete settings (arrays and the `targets`/`receivers` unions are replaced
 * whole when given).
 */
export function withOverrides(s: MonitoringSettings, overrides?: DeepPartial<MonitoringSettings>): MonitoringSettings {
  const { targets, receivers, ...rest } = overrides ?? {};
  merge(s, rest as DeepPartial<MonitoringSettings>);
  if (targets) s.targets = targets as Targets;
  if (receivers) s.receivers = { ...s.receivers, ...(receivers as MonitoringSettings["receivers"]) };
  return s;
}

/**
 * Complete settings of the machine-local profiles (`local`, `test`) with their defaults. The AWS stacks have
 * no defaults to offer: build them with `awsMonitoringSettings` from the stack's real inputs.
 */
export function settingsForStack(stack: StackName, overrides?: DeepPartial<MonitoringSettings>): MonitoringSettings {
  if (!STACKS.includes(stack)) {
    throw new SettingsError(`stack="${String(stack)}" is invalid: allowed values are ${STACKS.join(", ")}`);
  }
  if (stack === "dev" || stack === "prod") {
    throw new SettingsError(
      `stack="${stack}" has no made-up defaults: build it with awsMonitoringSettings() from the stack's inputs`,
    );
  }
  return withOverrides(stack === "test" ? testProfile() : base(stack), overrides);
}
