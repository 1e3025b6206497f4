import bcrypt from "bcryptjs";
import { createHash } from "node:crypto";
import { HOST_ROLES, MONITORING_PORTS } from "./contract";
import { JOBS } from "./mixin";
import { secretPath } from "./secrets";
import type { MonitoringSettings } from "./types";

const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A valid bcrypt salt (22 characters of its alphabet) derived from any seed, e.g. a random string. */
export function bcryptSalt(seed: string): string {
  const digest = createHash("sha256").update(seed).digest();
  let salt = "";
  for (let i = 0; i < 21; i++) salt += BCRYPT_ALPHABET[digest[i] % 64];
  // The 22nd character only carries 2 bits in bcrypt; keep it in the canonical subset.
  return salt + ".Oeu"[digest[21] % 4];
}

/**
 * bcrypt hash for web.yml with the given salt (22 characters), or one derived from `context`, user and password
 * so that the same settings render the same file (a stable bundle hash means no needless reload on the host).
 */
export function bcryptHash(username: string, password: string, salt?: string, context = ""): string {
  return bcrypt.hashSync(password, `$2b$10$${salt || bcryptSalt(`web.yml:${context}:${username}:${password}`)}`);
}

/** The services whose web server web.yml configures. */
export type WebService = "prometheus" | "alertmanager";

/** Where a service's container reads the host certificate (the bundle's `<service>/tls/`) and its key (a secret). */
export const tlsPaths = (service: string) => ({
  cert: `/etc/${service}/tls/server.crt`,
  key: secretPath(service, "server.key"),
});

/**
 * web.yml for Prometheus or Alertmanager: TLS with the host's certificate and basic auth with a bcrypt hash,
 * each when configured; null when neither is.
 */
export function webConfig(s: MonitoringSettings, service: WebService): object | null {
  if (!s.basicAuth && !s.tls) return null;
  const paths = tlsPaths(service);
  return {
    ...(s.tls ? { tls_server_config: { cert_file: paths.cert, key_file: paths.key, min_version: "TLS12" } } : {}),
    ...(s.basicAuth
      ? {
          basic_auth_users: {
            [s.basicAuth.username]: bcryptHash(s.basicAuth.username, s.basicAuth.password, s.basicAuth.salt, s.stack),
          },
        }
      : {}),
  };
}

/** The credentials Prometheus presents to the web servers of the pair's services (its own, Alertmanagers). */
function peerAuth(s: MonitoringSettings) {
  return s.basicAuth
    ? { basic_auth: { username: s.basicAuth.username, password_file: secretPath("prometheus", "web-password") } }
    : {};
}

/** How Prometheus reaches its own and Alertmanager's web servers: credentials, and https with the host cert. */
function peer(s: MonitoringSettings) {
  return {
    ...peerAuth(s),
    ...(s.tls ? { scheme: "https", tls_config: { ca_file: tlsPaths("prometheus").cert } } : {}),
  };
}

/** Where blackbox_exporter reads the certificate it trusts for the app's https URL. */
export const PROBE_CA_FILE = "/etc/blackbox/probe-ca.crt";

/** Where docker-compose.yml binds the monitoring host's own node_exporter. */
export const MONITORING_NODE_EXPORTER = `127.0.0.1:${MONITORING_PORTS.nodeExporter}`;

function appJobs(s: MonitoringSettings): object[] {
  const t = s.targets;
  if (t.kind === "static") {
    return [
      { job_name: s.appJob, static_configs: [{ targets: t.app, labels: { service: "taskflow" } }] },
      { job_name: JOBS.node, static_configs: [{ targets: t.node }] },
    ];
  }
  const monitoringRole = t.monitoringRole ?? HOST_ROLES.monitoring;
  const filters = [
    ...Object.entries(t.tags).map(([k, v]) => ({ name: `tag:${k}`, values: [v] })),
    { name: "instance-state-name", values: ["running"] },
  ];
  const ec2 = (port: number, extraFilters: object[] = []) => ({
    ec2_sd_configs: [
      { region: t.region, port, refresh_interval: t.refreshInterval, filters: [...filters, ...extraFilters] },
    ],
    relabel_configs: [
      // The monitoring host scrapes its own exporters over loopback (below), not through discovery.
      { source_labels: ["__meta_ec2_tag_Role"], regex: monitoringRole, action: "drop" },
      // Scrape the private address (the security groups only admit the monitoring host inside the VPC).
      {
        source_labels: ["__meta_ec2_private_ip"],
        regex: "(.+)",
        target_label: "__address__",
        replacement: `$1:${port}`,
      },
      { source_labels: ["__meta_ec2_instance_id"], target_label: "instance_id" },
      { source_labels: ["__meta_ec2_tag_Name"], target_label: "name" },
      { source_labels: ["__meta_ec2_tag_Role"], target_label: "role" },
      { source_labels: ["__meta_ec2_availability_zone"], target_label: "availability_zone" },
    ],
  });
  return [
    {
      job_name: s.appJob,
      ...ec2(t.appMetricsPort, [{ name: "tag:Role", values: [t.appRole] }]),
    },
    {
      job_name: JOBS.node,
      ...ec2(t.nodePort),
      // The monitoring host's own node_exporter (docker-compose.yml binds it to loopback).
      static_configs: [{ targets: [MONITORING_NODE_EXPORTER], labels: { role: monitoringRole, name: "monitoring" } }],
    },
  ];
}

/** The external label that tells the replicas of an HA pair apart (the managed workspace deduplicates on it). */
export const REPLICA_LABEL = "replica";

/** Where Prometheus reads the certificate the i-th peer Alertmanager serves (the only one it trusts for it). */
export const peerCertPath = (i: number) => `/etc/prometheus/tls/peer-${i + 1}.crt`;

/**
 * The other replicas' Alertmanagers: every alert goes to each of them too (Prometheus's own advice for HA: never
 * load-balance between Alertmanagers). Over TLS each peer is trusted by its own pinned certificate; the hosts'
 * certificates name 127.0.0.1 but not their private addresses, so the name checked is that one.
 */
function peerAlertmanagers(s: MonitoringSettings): object[] {
  return (s.ha?.peerAlertmanagers ?? []).map((p, i) => ({
    ...peerAuth(s),
    ...(p.certPem ? { scheme: "https", tls_config: { ca_file: peerCertPath(i), server_name: "127.0.0.1" } } : {}),
    static_configs: [{ targets: [p.address] }],
  }));
}

/** remote_write to long-term storage, with the queue sized in settings (REMOTE_WRITE_QUEUE). */
function remoteWrite(s: MonitoringSettings): object {
  const r = s.remoteWrite;
  if (!r) return {};
  const q = r.queue;
  return {
    remote_write: [
      {
        name: "long-term",
        url: r.url,
        ...(r.sigv4Region ? { sigv4: { region: r.sigv4Region } } : {}),
        queue_config: {
          capacity: q.capacity,
          max_shards: q.maxShards,
          min_shards: q.minShards,
          max_samples_per_send: q.maxSamplesPerSend,
          batch_send_deadline: q.batchSendDeadline,
          min_backoff: q.minBackoff,
          max_backoff: q.maxBackoff,
        },
        // Exemplars and metadata are not needed downstream; metadata is sent by default (small, periodic).
      },
    ],
  };
}

/** prometheus.yml */
export function prometheusConfig(s: MonitoringSettings): object {
  const l = s.listen;
  const local = (port: number) => `127.0.0.1:${port}`;
  return {
    global: {
      scrape_interval: s.scrapeInterval,
      scrape_timeout: s.scrapeTimeout,
      evaluation_interval: s.evaluationInterval,
      external_labels: { stack: s.stack, ...(s.ha ? { [REPLICA_LABEL]: s.ha.replica } : {}) },
    },
    rule_files: ["rules/*.yml"],
    alerting: {
      // The replicas send the same alerts: without their replica label they are one alert to the Alertmanagers.
      ...(s.ha ? { alert_relabel_configs: [{ action: "labeldrop", regex: REPLICA_LABEL }] } : {}),
      alertmanagers: [
        { ...peer(s), static_configs: [{ targets: [local(l.alertmanagerPort)] }] },
        ...peerAlertmanagers(s),
      ],
    },
    ...remoteWrite(s),
    scrape_configs: [
      { job_name: JOBS.prometheus, ...peer(s), static_configs: [{ targets: [local(l.prometheusPort)] }] },
      { job_name: JOBS.alertmanager, ...peer(s), static_configs: [{ targets: [local(l.alertmanagerPort)] }] },
      { job_name: JOBS.blackbox, static_configs: [{ targets: [local(l.blackboxPort)] }] },
      ...appJobs(s),
      {
        job_name: JOBS.probe,
        metrics_path: "/probe",
        params: { module: ["http_2xx"] },
        static_configs: [{ targets: s.probeUrls }],
        relabel_configs: [
          { source_labels: ["__address__"], target_label: "__param_target" },
          { source_labels: ["__param_target"], target_label: "instance" },
          { target_label: "__address__", replacement: local(l.blackboxPort) },
        ],
      },
    ],
  };
}

/**
 * blackbox.yml: http_2xx follows redirects, prefers IPv4, and records TLS expiry for https targets; with a
 * probe CA it trusts that certificate (the app host's, self-signed) and nothing else.
 */
export function blackboxConfig(s: MonitoringSettings): object {
  return {
    modules: {
      http_2xx: {
        prober: "http",
        timeout: "5s",
        http: {
          valid_status_codes: [],
          method: "GET",
          preferred_ip_protocol: "ip4",
          ip_protocol_fallback: true,
          follow_redirects: true,
          fail_if_ssl: false,
          ...(s.tls?.probeCaPem ? { tls_config: { ca_file: PROBE_CA_FILE } } : {}),
        },
      },
    },
  };
}
