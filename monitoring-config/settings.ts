/**
 * Typed settings for the monitoring bundle. One object says everything that differs between the local
 * stack, the short-interval test profile and the AWS stacks; the renderers turn it into files.
 */
import { durationSeconds } from "./rules";

export type StackName = "local" | "test" | "dev" | "prod";
export const STACKS: readonly StackName[] = ["local", "test", "dev", "prod"];

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Where Prometheus finds things: fixed addresses (local) or EC2 discovery by tag (AWS). */
export type Targets =
  | {
      kind: "static";
      /** host:port of the app's metrics port(s). */
      app: string[];
      /** host:port of node_exporter(s). */
      node: string[];
    }
  | {
      kind: "ec2";
      region: string;
      /** Tag filters every discovered instance must match, e.g. { Project: "observed-app", Stack: "dev" }. */
      tags: Record<string, string>;
      /** Value of the `Role` tag of app hosts. */
      appRole: string;
      appMetricsPort: number;
      nodePort: number;
      refreshInterval: string;
      /**
       * Value of the `Role` tag of the monitoring host itself (default "monitoring"): it is left out of
       * discovery, and its own node_exporter (bound to 127.0.0.1:9100 by docker-compose.yml) is scraped locally.
       */
      monitoringRole?: string;
    };

export interface SnsReceiver {
  topicArn: string;
  region: string;
}
export interface SlackReceiver {
  apiUrl: string;
  channel: string;
}
export interface EmailReceiver {
  to: string;
}
export interface WebhookReceiver {
  url: string;
}
/** The integrations one receiver notifies; any combination, at least one for page/ticket/heartbeat. */
export interface ReceiverTargets {
  sns?: SnsReceiver;
  slack?: SlackReceiver;
  email?: EmailReceiver;
  webhook?: WebhookReceiver;
}

export interface AlertThresholds {
  /** Window of rate() in the service alerts. */
  rateWindow: string;
  serviceDownFor: string;
  errorRatio: number;
  errorRateFor: string;
  latencyP95Seconds: number;
  latencyFor: string;
  slowQueriesPerWindow: number;
  slowQueriesFor: string;
  authFailuresPerSecond: number;
  authFailuresFor: string;
  rateLimitedPerSecond: number;
  rateLimitedFor: string;
  probeFailedFor: string;
  tlsExpiryDays: number;
  tlsExpiryFor: string;
  cpuRatio: number;
  cpuFor: string;
  memoryRatio: number;
  memoryFor: string;
  diskFillHours: number;
  diskFillFor: string;
  diskAlmostFullRatio: number;
  diskAlmostFullFor: string;
  clockSkewSeconds: number;
  clockSkewFor: string;
  targetDownFor: string;
  metaFor: string;
}

/** One multi-window burn-rate condition: both windows must burn faster than `factor` × the budget rate. */
export interface BurnWindow {
  long: string;
  short: string;
  factor: number;
}

export interface SloSettings {
  /** Availability objective, e.g. 0.999. */
  objective: number;
  /** SLO period for the error budget, e.g. "30d". */
  period: string;
  page: BurnWindow[];
  ticket: BurnWindow[];
  pageFor: string;
  ticketFor: string;
}

export interface AlertmanagerTimings {
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  /** Pages wait less before the first notification. */
  pageGroupWait: string;
  heartbeatRepeatInterval: string;
}

export interface MonitoringSettings {
  stack: StackName;
  /** Where the monitoring services listen (the rendered configs refer to each other through these). */
  listen: { host: string; prometheusPort: number; alertmanagerPort: number; blackboxPort: number; grafanaPort: number };
  targets: Targets;
  /** Public URLs probed by blackbox_exporter (http_2xx; TLS expiry is checked when https). */
  probeUrls: string[];
  scrapeInterval: string;
  evaluationInterval: string;
  scrapeTimeout: string;
  /** How often Prometheus re-sends firing alerts to Alertmanager (its --rules.alert.resend-delay). */
  alertResendDelay: string;
  retention: string;
  thresholds: AlertThresholds;
  slo: SloSettings;
  alertmanager: AlertmanagerTimings;
  receivers: { page: ReceiverTargets; ticket: ReceiverTargets; heartbeat: ReceiverTargets };
  /** SMTP settings used by e-mail receivers. */
  smtp?: { smarthost: string; from: string; username?: string; password?: string };
  /** Basic auth in front of Prometheus and Alertmanager (web.yml holds a bcrypt hash). */
  basicAuth?: {
    username: string;
    password: string;
    /**
     * bcrypt salt for web.yml (22 characters of [./A-Za-z0-9]); give a random one kept with the stack's secrets
     * (e.g. @pulumi/random). Without it the salt is derived from the stack and credentials: still a stable bundle,
     * but the same stack, user and password always hash alike.
     */
    salt?: string;
  };
  grafana: {
    adminPassword: string;
    /** CloudWatch datasource and the AWS security panels (only on AWS). */
    cloudwatch?: { region: string; cisNamespace: string; guardDutyRuleName: string };
  };
  /** Base URL of docs/runbooks.md; each alert links `${runbookBaseUrl}#<alert-name-lowercase>`. */
  runbookBaseUrl: string;
  /** Job name of the app's metrics target (alerts select on it). */
  appJob: string;
  /** Pinned images for the monitoring host (docker-compose.yml). */
  images: { prometheus: string; alertmanager: string; grafana: string; blackbox: string; nodeExporter: string };
  /** Where data lives on the monitoring host. */
  dataDir: string;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  rateWindow: "5m",
  serviceDownFor: "1m",
  errorRatio: 0.05,
  errorRateFor: "5m",
  latencyP95Seconds: 0.5,
  latencyFor: "10m",
  slowQueriesPerWindow: 5,
  slowQueriesFor: "5m",
  authFailuresPerSecond: 1,
  authFailuresFor: "5m",
  rateLimitedPerSecond: 0.1,
  rateLimitedFor: "5m",
  probeFailedFor: "2m",
  tlsExpiryDays: 14,
  tlsExpiryFor: "1h",
  cpuRatio: 0.8,
  cpuFor: "10m",
  memoryRatio: 0.9,
  memoryFor: "15m",
  diskFillHours: 24,
  diskFillFor: "1h",
  diskAlmostFullRatio: 0.1,
  diskAlmostFullFor: "5m",
  clockSkewSeconds: 0.05,
  clockSkewFor: "10m",
  targetDownFor: "5m",
  metaFor: "5m",
};

export const DEFAULT_SLO: SloSettings = {
  objective: 0.999,
  period: "30d",
  // The multi-window, multi-burn-rate pairs of the Google SRE workbook (chapter "Alerting on SLOs").
  page: [
    { long: "1h", short: "5m", factor: 14.4 },
    { long: "6h", short: "30m", factor: 6 },
  ],
  ticket: [
    { long: "1d", short: "2h", factor: 3 },
    { long: "3d", short: "6h", factor: 1 },
  ],
  pageFor: "2m",
  ticketFor: "15m",
};

export const DEFAULT_IMAGES = {
  // Pinned deliberately: the 2.53 LTS line of Prometheus and the matching Alertmanager/exporters. The configs
  // are kept to features that Debian 12's Prometheus 2.42 / Alertmanager 0.25 (used by the tests) also accept.
  prometheus: "prom/prometheus:v2.53.4",
  alertmanager: "prom/alertmanager:v0.27.0",
  grafana: "grafana/grafana-oss:11.5.2",
  blackbox: "prom/blackbox-exporter:v0.25.0",
  nodeExporter: "prom/node-exporter:v1.8.2",
};

export const LOCAL_PORTS = {
  app: 3000,
  appMetrics: 9464,
  prometheus: 9090,
  alertmanager: 9093,
  node: 9100,
  blackbox: 9115,
  receiver: 9094,
  grafana: 3001,
};

const RUNBOOKS = "https://github.com/observed-app/observed-app/blob/main/docs/runbooks.md";

/**
 * Everything that says where things are on one machine (loopback): listeners, scrape targets, the probed URL
 * and the local receiver's routes. `npm run local` and the tests call it with their own ports.
 */
export function localEndpoints(
  p: typeof LOCAL_PORTS,
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
    probeUrls: [`http://127.0.0.1:${p.app}/health`],
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
    alertmanager: {
      groupWait: "30s",
      groupInterval: "5m",
      repeatInterval: "4h",
      pageGroupWait: "10s",
      heartbeatRepeatInterval: "1m",
    },
    grafana: { adminPassword: "" },
    runbookBaseUrl: RUNBOOKS,
    appJob: "taskflow",
    images: { ...DEFAULT_IMAGES },
    dataDir: "/srv/monitoring",
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
    errorRateFor: "3s",
    latencyFor: "5s",
    slowQueriesFor: "3s",
    authFailuresFor: "3s",
    rateLimitedFor: "3s",
    probeFailedFor: "3s",
    targetDownFor: "3s",
    metaFor: "3s",
  };
  s.slo = {
    ...s.slo,
    period: "10m",
    page: [
      { long: "30s", short: "10s", factor: 14.4 },
      { long: "1m", short: "20s", factor: 6 },
    ],
    ticket: [
      { long: "2m", short: "40s", factor: 3 },
      { long: "3m", short: "1m", factor: 1 },
    ],
    pageFor: "2s",
    ticketFor: "5s",
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

/** AWS stacks: discovery by tag, notifications to the SNS alert topic, CloudWatch panels in Grafana. */
function awsProfile(stack: "dev" | "prod"): MonitoringSettings {
  const s = base(stack);
  const region = "us-east-1";
  const topic = { topicArn: `arn:aws:sns:${region}:123456789012:observed-app-${stack}-alerts`, region };
  s.listen.host = "0.0.0.0";
  s.listen.grafanaPort = 3000;
  s.targets = {
    kind: "ec2",
    region,
    tags: { Project: "observed-app", Stack: stack },
    appRole: "app",
    appMetricsPort: 9464,
    nodePort: 9100,
    refreshInterval: "60s",
  };
  s.probeUrls = ["http://app.internal:3000/health"];
  s.retention = stack === "prod" ? "30d" : "7d";
  s.receivers = { page: { sns: topic }, ticket: { sns: topic }, heartbeat: { sns: topic } };
  s.grafana = {
    adminPassword: "",
    cloudwatch: { region, cisNamespace: "CISBenchmark", guardDutyRuleName: `observed-app-${stack}-guardduty-findings` },
  };
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
 * Complete settings for a stack with its defaults; `overrides` replace any part (arrays and the
 * `targets`/`receivers` unions are replaced whole when given).
 */
export function settingsForStack(stack: StackName, overrides?: DeepPartial<MonitoringSettings>): MonitoringSettings {
  if (!STACKS.includes(stack)) {
    throw new SettingsError(`stack="${String(stack)}" is invalid: allowed values are ${STACKS.join(", ")}`);
  }
  const s = stack === "test" ? testProfile() : stack === "dev" || stack === "prod" ? awsProfile(stack) : base(stack);
  const { targets, receivers, ...rest } = overrides ?? {};
  merge(s, rest as DeepPartial<MonitoringSettings>);
  if (targets) s.targets = targets as Targets;
  if (receivers) s.receivers = { ...s.receivers, ...(receivers as MonitoringSettings["receivers"]) };
  return s;
}

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** Reject settings the renderers would turn into broken files; each message names the key and what is allowed. */
export function validateSettings(s: MonitoringSettings): MonitoringSettings {
  const fail = (key: string, value: unknown, allowed: string) => {
    throw new SettingsError(`${key}=${JSON.stringify(value)} is invalid: ${allowed}`);
  };
  const duration = (key: string, v: string) =>
    DURATION.test(v) || fail(key, v, "expected a Prometheus duration such as 30s, 5m, 1h, 30d");
  const ratio = (key: string, v: number) =>
    (typeof v === "number" && v > 0 && v < 1) || fail(key, v, "expected a ratio between 0 and 1 (exclusive)");
  const positive = (key: string, v: number) =>
    (typeof v === "number" && Number.isFinite(v) && v >= 0) || fail(key, v, "expected a number ≥ 0");
  const url = (key: string, v: string) => {
    try {
      const u = new URL(v);
      if (!["http:", "https:"].includes(u.protocol)) throw new Error();
    } catch {
      fail(key, v, "expected an http(s) URL");
    }
  };

  if (!STACKS.includes(s.stack)) fail("stack", s.stack, `allowed values are ${STACKS.join(", ")}`);
  for (const k of ["scrapeInterval", "evaluationInterval", "scrapeTimeout", "alertResendDelay", "retention"] as const)
    duration(k, s[k]);
  for (const [k, v] of Object.entries(s.thresholds)) {
    if (typeof v === "string") duration(`thresholds.${k}`, v);
    else if (k.endsWith("Ratio")) ratio(`thresholds.${k}`, v);
    else positive(`thresholds.${k}`, v);
  }
  if (!(s.slo.objective > 0.5 && s.slo.objective < 1)) {
    fail("slo.objective", s.slo.objective, "expected a ratio between 0.5 and 1, e.g. 0.999");
  }
  duration("slo.period", s.slo.period);
  const longest = Math.max(...[...s.slo.page, ...s.slo.ticket].map((w) => durationSeconds(w.long)));
  if (durationSeconds(s.slo.period) < longest) {
    fail("slo.period", s.slo.period, "expected at least the longest burn window");
  }
  for (const kind of ["page", "ticket"] as const) {
    if (s.slo[kind].length === 0) fail(`slo.${kind}`, s.slo[kind], "expected at least one burn window");
    s.slo[kind].forEach((w, i) => {
      duration(`slo.${kind}[${i}].long`, w.long);
      duration(`slo.${kind}[${i}].short`, w.short);
      if (!(w.factor > 0)) fail(`slo.${kind}[${i}].factor`, w.factor, "expected a burn-rate factor > 0");
    });
  }
  for (const [k, v] of Object.entries(s.alertmanager)) duration(`alertmanager.${k}`, v);
  if (s.targets.kind === "static") {
    for (const key of ["app", "node"] as const) {
      s.targets[key].forEach((t, i) => HOST_PORT.test(t) || fail(`targets.${key}[${i}]`, t, "expected host:port"));
    }
  } else if (s.targets.kind === "ec2") {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(s.targets.region))
      fail("targets.region", s.targets.region, "expected an AWS region such as eu-west-1");
    if (Object.keys(s.targets.tags).length === 0)
      fail("targets.tags", s.targets.tags, "expected at least one tag filter");
  } else {
    fail("targets.kind", (s.targets as { kind: unknown }).kind, 'allowed values are "static", "ec2"');
  }
  s.probeUrls.forEach((u, i) => url(`probeUrls[${i}]`, u));
  for (const route of ["page", "ticket", "heartbeat"] as const) {
    const r = s.receivers[route];
    if (!r || !(r.sns || r.slack || r.email || r.webhook)) {
      fail(`receivers.${route}`, r, "expected at least one of sns, slack, email, webhook");
    }
    if (r.sns && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/.test(r.sns.topicArn)) {
      fail(`receivers.${route}.sns.topicArn`, r.sns.topicArn, "expected an SNS topic ARN");
    }
    if (r.slack) url(`receivers.${route}.slack.apiUrl`, r.slack.apiUrl);
    if (r.webhook) url(`receivers.${route}.webhook.url`, r.webhook.url);
    if (r.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(r.email.to)) {
      fail(`receivers.${route}.email.to`, r.email.to, "expected an e-mail address");
    }
    if (r.email && !s.smtp) fail("smtp", s.smtp, `required when receivers.${route}.email is set`);
  }
  if (s.basicAuth && (!s.basicAuth.username || s.basicAuth.password.length < 12)) {
    fail("basicAuth.password", "<redacted>", "expected a username and a password of at least 12 characters");
  }
  // grafana.ini quotes the password with """…""": it must not contain that delimiter nor a line break.
  if (/"""|[\r\n]/.test(s.grafana.adminPassword)) {
    fail("grafana.adminPassword", "<redacted>", 'expected no line breaks and no """ sequence');
  }
  if (s.basicAuth?.salt !== undefined && !/^[./A-Za-z0-9]{21}[.Oeu]$/.test(s.basicAuth.salt)) {
    fail("basicAuth.salt", "<redacted>", "expected 22 bcrypt-alphabet characters [./A-Za-z0-9], the last one of .Oeu");
  }
  if (s.basicAuth && !/^[A-Za-z0-9._-]+$/.test(s.basicAuth.username)) {
    fail("basicAuth.username", s.basicAuth.username, "expected letters, digits, '.', '_' or '-'");
  }
  if (s.stack === "dev" || s.stack === "prod") {
    if (s.grafana.adminPassword.length < 12) {
      fail("grafana.adminPassword", "<redacted>", "expected at least 12 characters (anonymous access is off)");
    }
  }
  return s;
}
