import { durationSeconds } from "./durations";
import { METRIC_NAMES as M } from "./contract";
import type { BurnWindow, MonitoringSettings } from "./types";

export type Severity = "critical" | "warning" | "info";

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: Severity } & Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  interval?: string;
  rules: (AlertRule | RecordingRule)[];
}
/** One rule file of the bundle: prometheus/rules/<file>.yml */
export interface RuleFile {
  file: string;
  groups: RuleGroup[];
}

const pct = (r: number) => `${+(r * 100).toFixed(4)} %`;

/** `le` selector value for a ratio like 0.999 → budget 0.001 with float noise removed. */
export const errorBudget = (objective: number) => +(1 - objective).toFixed(10);

/** Recording-rule name of the SLI error ratio over a window. */
export const sloRatioRecord = (window: string) => `slo:sli_error:ratio_rate${window}`;

/** Recording-rule names of the requests and of the failed requests over a window (summed increases). */
export const sloCountRecord = (what: "requests" | "errors", window: string) => `slo:sli_${what}:increase${window}`;

/**
 * Recording rules of the SLI error ratio. Every burn window is a ratio of raw rates (0/0 when idle: no value, so
 * no burn alert, which is right). The SLO period (30 d by default) cannot read a month of raw series at each
 * evaluation, so it sums the shortest window's recorded increases of errors and of requests and divides the
 * sums: a quiet spell adds 0 to both and counts as no errors. (Averaging the short window's ratio instead made a
 * single idle 0/0 sample NaN for the whole period; the idle-gap promtool case in tests/monitoring pins this.)
 * Both sums count each request (window / evaluation interval) times, which cancels in the ratio.
 */
function sloRatioRules(
  s: MonitoringSettings,
  job: string,
  ratio: (win: string) => string,
  increase: (what: "requests" | "errors", win: string) => string,
): RecordingRule[] {
  const burn = [...new Set([...s.slo.page, ...s.slo.ticket].flatMap((w) => [w.long, w.short]))];
  const shortest = [...burn].sort((a, b) => durationSeconds(a) - durationSeconds(b))[0];
  const rules = burn.map((win) => ({ record: sloRatioRecord(win), expr: ratio(win) }));
  if (!burn.includes(s.slo.period)) {
    const summed = (what: "requests" | "errors") =>
      `sum_over_time(${sloCountRecord(what, shortest)}{${job}}[${s.slo.period}])`;
    rules.push(
      { record: sloCountRecord("requests", shortest), expr: increase("requests", shortest) },
      { record: sloCountRecord("errors", shortest), expr: increase("errors", shortest) },
      { record: sloRatioRecord(s.slo.period), expr: `${summed("errors")} / ${summed("requests")}` },
    );
  }
  return rules;
}

export function sloWindows(s: MonitoringSettings): string[] {
  const all = [...s.slo.page, ...s.slo.ticket].flatMap((w) => [w.long, w.short]);
  return [...new Set([...all, s.slo.period])];
}

/** Every rule file, built from the settings: thresholds and `for` durations are never hard-coded. */
export function buildRuleFiles(s: MonitoringSettings): RuleFile[] {
  const t = s.thresholds;
  const job = `job="${s.appJob}"`;
  const w = t.rateWindow;
  const runbook = (name: string) => `${s.runbookBaseUrl}#${name.toLowerCase()}`;
  const alert = (
    name: string,
    severity: Severity,
    expr: string,
    forDuration: string | undefined,
    summary: string,
    description: string,
  ): AlertRule => ({
    alert: name,
    expr,
    ...(forDuration ? { for: forDuration } : {}),
    labels: { severity },
    annotations: { summary, description, runbook_url: runbook(name) },
  });

  const service: RuleGroup = {
    name: "taskflow-service",
    rules: [
      alert(
        "ServiceDown",
        "critical",
        `up{${job}} == 0`,
        t.serviceDownFor,
        "TaskFlow metrics target {{ $labels.instance }} is down",
        `Prometheus has not been able to scrape {{ $labels.instance }} for ${t.serviceDownFor}: the service is down, restarting, or unreachable from the monitoring host.`,
      ),
      alert(
        "ServiceTargetMissing",
        "critical",
        `absent(up{${job}})`,
        t.serviceTargetMissingFor,
        "Prometheus has no TaskFlow target at all",
        `No target of job ${s.appJob} has been scraped for ${t.serviceTargetMissingFor}: discovery finds no app instance (terminated, re-tagged, or discovery failing), so ServiceDown cannot fire either.`,
      ),
      alert(
        "HighErrorRate",
        "critical",
        `(sum by (job, instance) (rate(${M.httpRequests}{${job},status_code=~"5.."}[${w}])) / sum by (job, instance) (rate(${M.httpRequests}{${job}}[${w}]))) > ${t.errorRatio}`,
        t.errorRateFor,
        `TaskFlow on {{ $labels.instance }} answers more than ${pct(t.errorRatio)} of requests with 5xx`,
        `More than ${pct(t.errorRatio)} of requests failed with a 5xx status over ${w} for ${t.errorRateFor}.`,
      ),
      alert(
        "HighLatencyP95",
        "warning",
        `histogram_quantile(0.95, sum by (job, instance, le) (rate(${M.httpDuration}_bucket{${job},route!="unmatched"}[${w}]))) > ${t.latencyP95Seconds}`,
        t.latencyFor,
        `TaskFlow p95 latency on {{ $labels.instance }} is above ${t.latencyP95Seconds} s`,
        `The 95th percentile of request duration has been above ${t.latencyP95Seconds} s for ${t.latencyFor}.`,
      ),
      alert(
        "SlowQueries",
        "warning",
        `sum by (job, instance) (increase(${M.dbSlowQueries}{${job}}[${w}])) > ${t.slowQueriesPerWindow}`,
        t.slowQueriesFor,
        "TaskFlow on {{ $labels.instance }} runs slow database queries",
        `More than ${t.slowQueriesPerWindow} SQLite statements over SLOW_QUERY_MS within ${w}, for ${t.slowQueriesFor}.`,
      ),
      alert(
        "FailedAuthSpike",
        "warning",
        `sum by (job, instance) (rate(${M.authFailures}{${job}}[${w}])) > ${t.authFailuresPerSecond}`,
        t.authFailuresFor,
        `Authentication failures on {{ $labels.instance }} above ${t.authFailuresPerSecond}/s`,
        `More than ${t.authFailuresPerSecond} requests per second were refused with 401 for ${t.authFailuresFor}: a misconfigured client or someone guessing tokens.`,
      ),
      alert(
        "RateLimitingActive",
        "warning",
        `sum by (job, instance) (rate(${M.rateLimited}{${job}}[${w}])) > ${t.rateLimitedPerSecond}`,
        t.rateLimitedFor,
        "TaskFlow on {{ $labels.instance }} is rate-limiting clients",
        `More than ${t.rateLimitedPerSecond} requests per second were refused with 429 for ${t.rateLimitedFor}.`,
      ),
      alert(
        "ProbeFailed",
        "critical",
        `probe_success{job="blackbox-http"} == 0`,
        t.probeFailedFor,
        "Public health check of {{ $labels.instance }} fails",
        `blackbox_exporter could not get a 2xx from {{ $labels.instance }} for ${t.probeFailedFor}: users cannot reach the service.`,
      ),
      alert(
        "TLSCertExpiringSoon",
        "warning",
        `(probe_ssl_earliest_cert_expiry{job="blackbox-http"} - time()) / 86400 < ${t.tlsExpiryDays}`,
        t.tlsExpiryFor,
        `TLS certificate of {{ $labels.instance }} expires within ${t.tlsExpiryDays} days`,
        `The certificate served at {{ $labels.instance }} expires in less than ${t.tlsExpiryDays} days.`,
      ),
    ],
  };

  const budget = errorBudget(s.slo.objective);
  const ratio = (win: string) =>
    `sum by (job) (rate(${M.httpRequests}{${job},status_code=~"5.."}[${win}])) / sum by (job) (rate(${M.httpRequests}{${job}}[${win}]))`;
  // Errors fall back to 0 × requests, so a service that never failed has an error count of 0, not no series.
  const increase = (what: "requests" | "errors", win: string) => {
    const all = `sum by (job) (increase(${M.httpRequests}{${job}}[${win}]))`;
    return what === "requests"
      ? all
      : `sum by (job) (increase(${M.httpRequests}{${job},status_code=~"5.."}[${win}])) or (0 * ${all})`;
  };
  const burn = (ws: BurnWindow[]) =>
    ws
      .map(
        (b) =>
          `(${sloRatioRecord(b.long)}{${job}} > (${b.factor} * ${budget}) and ${sloRatioRecord(b.short)}{${job}} > (${b.factor} * ${budget}))`,
      )
      .join(" or ");
  const describe = (ws: BurnWindow[]) => ws.map((b) => `${b.factor}× over ${b.long} and ${b.short}`).join(", or ");
  const slo: RuleGroup = {
    name: "taskflow-slo",
    rules: [
      ...sloRatioRules(s, job, ratio, increase),
      { record: "slo:objective:ratio", expr: `vector(${s.slo.objective})`, labels: { job: s.appJob } },
      {
        record: "slo:error_budget:remaining_ratio",
        expr: `1 - (${sloRatioRecord(s.slo.period)}{${job}} / ${budget})`,
      },
      alert(
        "SLOErrorBudgetBurnPage",
        "critical",
        burn(s.slo.page),
        s.slo.pageFor,
        "TaskFlow is burning its error budget fast",
        `The availability SLO (${pct(s.slo.objective)} over ${s.slo.period}) burns at ${describe(s.slo.page)}: at this rate the budget is gone within days.`,
      ),
      alert(
        "SLOErrorBudgetBurnTicket",
        "warning",
        burn(s.slo.ticket),
        s.slo.ticketFor,
        "TaskFlow is burning its error budget steadily",
        `The availability SLO (${pct(s.slo.objective)} over ${s.slo.period}) burns at ${describe(s.slo.ticket)}.`,
      ),
    ],
  };

  const fsSel = `fstype!~"tmpfs|overlay|squashfs|ramfs|nsfs",mountpoint!~"/run.*|/boot.*"`;
  const host: RuleGroup = {
    name: "hosts",
    rules: [
      alert(
        "HostHighCpu",
        "warning",
        `1 - avg by (job, instance) (rate(node_cpu_seconds_total{mode="idle"}[${w}])) > ${t.cpuRatio}`,
        t.cpuFor,
        `CPU on {{ $labels.instance }} is more than ${pct(t.cpuRatio)} busy`,
        `CPU utilisation has been above ${pct(t.cpuRatio)} for ${t.cpuFor}.`,
      ),
      alert(
        "HostHighMemory",
        "warning",
        `1 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > ${t.memoryRatio}`,
        t.memoryFor,
        `Memory on {{ $labels.instance }} is more than ${pct(t.memoryRatio)} used`,
        `Less than ${pct(1 - t.memoryRatio)} of memory has been available for ${t.memoryFor}.`,
      ),
      alert(
        "HostDiskFillingUp",
        "warning",
        `predict_linear(node_filesystem_avail_bytes{${fsSel}}[6h], ${t.diskFillHours} * 3600) < 0 and (node_filesystem_avail_bytes{${fsSel}} / node_filesystem_size_bytes{${fsSel}}) < 0.4 and node_filesystem_readonly{${fsSel}} == 0`,
        t.diskFillFor,
        `Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} fills up within ${t.diskFillHours} h`,
        `At the growth of the last 6 h, {{ $labels.mountpoint }} will be full within ${t.diskFillHours} hours.`,
      ),
      alert(
        "HostDiskAlmostFull",
        "critical",
        `(node_filesystem_avail_bytes{${fsSel}} / node_filesystem_size_bytes{${fsSel}}) < ${t.diskAlmostFullRatio} and node_filesystem_readonly{${fsSel}} == 0`,
        t.diskAlmostFullFor,
        "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} is almost full",
        `Less than ${pct(t.diskAlmostFullRatio)} of {{ $labels.mountpoint }} is free.`,
      ),
      alert(
        "HostClockSkew",
        "warning",
        `(abs(node_timex_offset_seconds) > ${t.clockSkewSeconds}) or (node_timex_sync_status == 0)`,
        t.clockSkewFor,
        "Clock on {{ $labels.instance }} is off or not synchronised",
        `The clock offset exceeds ${t.clockSkewSeconds} s or NTP is not synchronised, for ${t.clockSkewFor}: TLS, logs and metrics timestamps suffer.`,
      ),
    ],
  };

  const meta: RuleGroup = {
    name: "meta",
    rules: [
      alert(
        "PrometheusConfigReloadFailed",
        "warning",
        `prometheus_config_last_reload_successful == 0`,
        t.metaFor,
        "Prometheus on {{ $labels.instance }} failed to reload its configuration",
        "The last configuration reload failed: Prometheus keeps running the previous configuration until it is fixed.",
      ),
      alert(
        "PrometheusRuleEvaluationFailures",
        "warning",
        `increase(prometheus_rule_evaluation_failures_total[${w}]) > 0`,
        t.metaFor,
        "Prometheus fails to evaluate rules in {{ $labels.rule_group }}",
        "Rules fail to evaluate: alerts based on them cannot fire.",
      ),
      alert(
        "PrometheusNotConnectedToAlertmanagers",
        "critical",
        `prometheus_notifications_alertmanagers_discovered < 1`,
        t.metaFor,
        "Prometheus on {{ $labels.instance }} has no Alertmanager",
        "Prometheus is connected to no Alertmanager: no alert can be delivered.",
      ),
      alert(
        "PrometheusNotificationErrors",
        "warning",
        `increase(prometheus_notifications_errors_total[${w}]) > 0`,
        t.metaFor,
        "Prometheus on {{ $labels.instance }} fails to send alerts to {{ $labels.alertmanager }}",
        "Prometheus got errors sending alerts to Alertmanager: notifications may be late or lost.",
      ),
      // Remote write (long-term storage): how far the sent samples trail the newest ones appended. Absent without
      // remote_write, so it never fires there.
      alert(
        "PrometheusRemoteWriteBehind",
        "warning",
        `(max_over_time(prometheus_remote_storage_highest_timestamp_in_seconds[${w}]) - ignoring(remote_name, url) group_right max_over_time(prometheus_remote_storage_queue_highest_sent_timestamp_seconds[${w}])) > ${t.remoteWriteBehindSeconds}`,
        t.metaFor,
        "Remote write to {{ $labels.remote_name }} falls behind",
        `The samples sent to {{ $labels.url }} trail the newest ones by more than ${t.remoteWriteBehindSeconds} s: the long-term store is unreachable, refusing writes or too slow. Prometheus keeps the backlog in its WAL for about 2 h, then drops it.`,
      ),
      alert(
        "PrometheusRemoteWriteFailing",
        "warning",
        `rate(prometheus_remote_storage_samples_failed_total[${w}]) > 0`,
        t.metaFor,
        "Remote write to {{ $labels.remote_name }} drops samples",
        "The long-term store rejects samples with an unrecoverable error (4xx other than 429): they are dropped, not retried. Check the permission (aps:RemoteWrite) and the receiver's limits.",
      ),
      // The Alertmanagers of an HA pair: a member that lost its peer still notifies, but nothing deduplicates.
      alert(
        "AlertmanagerClusterPeerDown",
        "warning",
        `alertmanager_cluster_failed_peers > 0 or alertmanager_cluster_members < ${s.ha ? s.ha.clusterPeers.length + 1 : 1}`,
        t.metaFor,
        "Alertmanager on {{ $labels.instance }} has lost a cluster peer",
        "An Alertmanager of the HA pair cannot reach its peer: each member still notifies on its own, so notifications may now go out twice, and a failure of this member would leave none.",
      ),
      alert(
        "AlertmanagerFailedToSendAlerts",
        "warning",
        `increase(alertmanager_notifications_failed_total[${w}]) > 0`,
        t.metaFor,
        "Alertmanager fails to deliver notifications via {{ $labels.integration }}",
        "Alertmanager notifications through {{ $labels.integration }} fail: check the receiver's credentials and reachability.",
      ),
      alert(
        "TargetDown",
        "warning",
        `up{job!="${s.appJob}"} == 0`,
        t.targetDownFor,
        "Target {{ $labels.instance }} of job {{ $labels.job }} is down",
        `Prometheus has not been able to scrape {{ $labels.job }}/{{ $labels.instance }} for ${t.targetDownFor}.`,
      ),
      alert(
        "Watchdog",
        "info",
        "vector(1)",
        undefined,
        "Alerting pipeline heartbeat",
        "Always firing. If the heartbeat receiver stops getting it, the path Prometheus → Alertmanager → receiver is broken.",
      ),
    ],
  };

  return [
    { file: "service.yml", groups: [service] },
    { file: "slo.yml", groups: [slo] },
    { file: "hosts.yml", groups: [host] },
    { file: "meta.yml", groups: [meta] },
  ];
}

/** Every alert rule, flat. */
export function allAlerts(s: MonitoringSettings): AlertRule[] {
  return buildRuleFiles(s)
    .flatMap((f) => f.groups.flatMap((g) => g.rules))
    .filter((r): r is AlertRule => "alert" in r);
}
