/**
 * The shape of the monitoring settings: one object says everything that differs between the local stack, the
 * short-interval test profile and the AWS stacks; the renderers turn it into files.
 */

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
       * discovery, and its own node_exporter (bound to loopback by docker-compose.yml: MONITORING_NODE_EXPORTER)
       * is scraped locally.
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
  /** How long Prometheus may have no app target at all before ServiceTargetMissing pages. */
  serviceTargetMissingFor: string;
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
  /** PrometheusRemoteWriteBehind: how far (s) the samples sent may trail the newest ones. */
  remoteWriteBehindSeconds: number;
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
  /**
   * Optional `for:` of the burn alerts. None by default: the multiwindow method needs none (the short window
   * already ends the alert quickly once the burn stops), and a `for` only delays the page.
   */
  pageFor?: string;
  ticketFor?: string;
}

export interface AlertmanagerTimings {
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  /** Pages wait less before the first notification. */
  pageGroupWait: string;
  heartbeatRepeatInterval: string;
}

/**
 * Remote write to long-term storage: Amazon Managed Service for Prometheus on AWS (SigV4 with the instance role),
 * a second Prometheus with the remote-write receiver locally. Alerts are still evaluated by this Prometheus.
 */
export interface RemoteWriteSettings {
  /** The receiver's write endpoint, e.g. `<workspace endpoint>api/v1/remote_write`. */
  url: string;
  /** Sign each request with SigV4 for this region, with the instance role's credentials (AWS). */
  sigv4Region?: string;
  /** Prometheus's queue_config (shards, batch sizes, backoff): see REMOTE_WRITE_QUEUE for how it is sized. */
  queue: {
    capacity: number;
    maxShards: number;
    minShards: number;
    maxSamplesPerSend: number;
    batchSendDeadline: string;
    minBackoff: string;
    maxBackoff: string;
  };
}

/**
 * One member of a highly available pair (or more): every replica scrapes the same targets and evaluates the same
 * rules; its series carry `replica` (the managed workspace deduplicates on it), its alerts do not (so the
 * Alertmanagers see one alert), and the Alertmanagers form one cluster, so a notification goes out once.
 */
export interface HaSettings {
  /** This replica's name: the `replica` external label of its series. */
  replica: string;
  /** The gossip listener of this host's Alertmanager (`<host>:<port>`). */
  clusterListen: string;
  /** The address the other members reach this one's gossip on (`<ip>:<port>`; default: from clusterListen). */
  clusterAdvertise?: string;
  /** The other members' gossip addresses (`<host>:<port>`). */
  clusterPeers: string[];
  /** How long a member waits for the one before it to notify (Alertmanager's --cluster.peer-timeout). */
  peerTimeout: string;
  /**
   * The other members' Alertmanagers, which this Prometheus also sends every alert to (`<host>:<port>`), each
   * with the certificate it serves (pinned: the only one trusted for it) when they speak TLS.
   */
  peerAlertmanagers: { address: string; certPem?: string }[];
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
  /**
   * TLS on the UIs (AWS): the host's certificate and key (PEM) serve Prometheus and Alertmanager (web.yml
   * `tls_server_config`) and Grafana (`protocol = https`). The services also reach each other over it, on
   * 127.0.0.1, so the certificate must name that address. `probeCaPem` is the certificate blackbox_exporter
   * trusts when it probes the app's https URL (the app host's self-signed one).
   */
  tls?: { certPem: string; keyPem: string; probeCaPem?: string };
  grafana: {
    adminPassword: string;
    /** CloudWatch datasource and the AWS security panels (only on AWS). */
    cloudwatch?: { region: string; cisNamespace: string; guardDutyRuleName: string; fleet?: FleetMetrics };
    /** The managed workspace as a second Prometheus datasource, queried with SigV4 (the instance role). */
    managedPrometheus?: { url: string; region: string };
  };
  /** Base URL of docs/runbooks.md; each alert links `${runbookBaseUrl}#<alert-name-lowercase>`. */
  runbookBaseUrl: string;
  /** Job name of the app's metrics target (alerts select on it). */
  appJob: string;
  /** Pinned images for the monitoring host (docker-compose.yml). */
  images: { prometheus: string; alertmanager: string; grafana: string; blackbox: string; nodeExporter: string };
  /** Where data lives on the monitoring host. */
  dataDir: string;
  /** Remote write to long-term storage (off when absent). */
  remoteWrite?: RemoteWriteSettings;
  /** Member of an HA pair (a single Prometheus and an unclustered Alertmanager when absent). */
  ha?: HaSettings;
}

/** The CloudWatch dimensions of an app fleet's load balancer, target group and database (the Service dashboard). */
export interface FleetMetrics {
  /** `app/<name>/<id>` (the load balancer's ARN suffix). */
  loadBalancer: string;
  /** `targetgroup/<name>/<id>`. */
  targetGroup: string;
  /** The RDS instance identifier. */
  dbInstance: string;
}
