/**
 * Unit-test cases for every alert, run by `promtool test rules` against the rendered rule files.
 * Each case: input series that make the alert fire (checked before its `for` has elapsed: not firing yet;
 * after: firing with its labels and annotations), and input series just below the threshold (never fires).
 * Series use promtool's expanding notation with a 1m interval; thresholds are the shipped defaults.
 */
import type { AlertRule } from "../../monitoring-config";

export interface AlertCase {
  alert: string;
  labels: Record<string, string>;
  fire: Record<string, string>;
  below?: Record<string, string>;
  /** eval time when the condition already holds but `for` has not elapsed */
  before?: string;
  fireAt: string;
}

const APP = 'job="taskflow",instance="app:9464"';
const HTTP = `${APP},method="GET",route="/tasks"`;
const NODE = 'job="node",instance="host:9100"';
const FS = `${NODE},device="/dev/nvme0n1p1",fstype="ext4",mountpoint="/"`;
const PROM = 'job="prometheus",instance="localhost:9090"';
const appLabels = { job: "taskflow", instance: "app:9464" };
const nodeLabels = { job: "node", instance: "host:9100" };
const promLabels = { job: "prometheus", instance: "localhost:9090" };
const REMOTE = { remote_name: "long-term", url: "http://store:9091/api/v1/write" };
const REMOTE_SERIES = `remote_name="${REMOTE.remote_name}",url="${REMOTE.url}"`;
const AM = 'job="alertmanager",instance="localhost:9093"';
const amLabels = { job: "alertmanager", instance: "localhost:9093" };

export const ALERT_CASES: AlertCase[] = [
  {
    alert: "ServiceDown",
    labels: appLabels,
    fire: { [`up{${APP}}`]: "1 1 0x15" },
    below: { [`up{${APP}}`]: "1x15" },
    before: "2m",
    fireAt: "4m",
  },
  {
    alert: "HighErrorRate",
    labels: appLabels,
    fire: {
      [`http_requests_total{${HTTP},status_code="200"}`]: "0+100x30",
      [`http_requests_total{${HTTP},status_code="500"}`]: "0+10x30",
    },
    below: {
      [`http_requests_total{${HTTP},status_code="200"}`]: "0+100x30",
      [`http_requests_total{${HTTP},status_code="500"}`]: "0+5x30",
    },
    before: "3m",
    fireAt: "10m",
  },
  {
    alert: "HighLatencyP95",
    labels: appLabels,
    fire: {
      [`http_request_duration_seconds_bucket{${HTTP},status_code="200",le="0.5"}`]: "0x30",
      [`http_request_duration_seconds_bucket{${HTTP},status_code="200",le="1"}`]: "0+100x30",
      [`http_request_duration_seconds_bucket{${HTTP},status_code="200",le="+Inf"}`]: "0+100x30",
    },
    below: {
      [`http_request_duration_seconds_bucket{${HTTP},status_code="200",le="0.25"}`]: "0+100x30",
      [`http_request_duration_seconds_bucket{${HTTP},status_code="200",le="0.5"}`]: "0+100x30",
      [`http_request_duration_seconds_bucket{${HTTP},status_code="200",le="1"}`]: "0+100x30",
      [`http_request_duration_seconds_bucket{${HTTP},status_code="200",le="+Inf"}`]: "0+100x30",
    },
    before: "8m",
    fireAt: "15m",
  },
  {
    alert: "SlowQueries",
    labels: appLabels,
    fire: { [`taskflow_db_slow_queries_total{${APP}}`]: "0+2x30" },
    below: { [`taskflow_db_slow_queries_total{${APP}}`]: "0+0.5x30" },
    before: "3m",
    fireAt: "12m",
  },
  {
    alert: "FailedAuthSpike",
    labels: appLabels,
    fire: { [`taskflow_auth_failures_total{${APP},reason="invalid"}`]: "0+120x30" },
    below: { [`taskflow_auth_failures_total{${APP},reason="invalid"}`]: "0+30x30" },
    before: "3m",
    fireAt: "12m",
  },
  {
    alert: "RateLimitingActive",
    labels: appLabels,
    fire: { [`taskflow_rate_limited_total{${APP}}`]: "0+60x30" },
    below: { [`taskflow_rate_limited_total{${APP}}`]: "0+3x30" },
    before: "3m",
    fireAt: "12m",
  },
  {
    alert: "ProbeFailed",
    labels: { job: "blackbox-http", instance: "http://app:3000/health" },
    fire: { 'probe_success{job="blackbox-http",instance="http://app:3000/health"}': "1 0x20" },
    below: { 'probe_success{job="blackbox-http",instance="http://app:3000/health"}': "1x20" },
    before: "2m",
    fireAt: "5m",
  },
  {
    alert: "TLSCertExpiringSoon",
    labels: { job: "blackbox-http", instance: "https://app.example.com/health" },
    fire: {
      'probe_ssl_earliest_cert_expiry{job="blackbox-http",instance="https://app.example.com/health"}': "864000x90",
    },
    below: {
      'probe_ssl_earliest_cert_expiry{job="blackbox-http",instance="https://app.example.com/health"}': "1728000x90",
    },
    before: "30m",
    fireAt: "70m",
  },
  {
    alert: "ServiceTargetMissing",
    labels: { job: "taskflow" },
    fire: { [`up{${NODE}}`]: "1x30" },
    below: { [`up{${APP}}`]: "0x30", [`up{${NODE}}`]: "1x30" },
    before: "5m",
    fireAt: "15m",
  },
  {
    alert: "SLOErrorBudgetBurnPage",
    labels: { job: "taskflow" },
    fire: {
      [`http_requests_total{${HTTP},status_code="200"}`]: "0+98x80",
      [`http_requests_total{${HTTP},status_code="500"}`]: "0+2x80",
    },
    below: {
      [`http_requests_total{${HTTP},status_code="200"}`]: "0+199x80",
      [`http_requests_total{${HTTP},status_code="500"}`]: "0+1x80",
    },
    fireAt: "10m",
  },
  {
    alert: "SLOErrorBudgetBurnTicket",
    labels: { job: "taskflow" },
    fire: {
      [`http_requests_total{${HTTP},status_code="200"}`]: "0+199x80",
      [`http_requests_total{${HTTP},status_code="500"}`]: "0+1x80",
    },
    below: {
      [`http_requests_total{${HTTP},status_code="200"}`]: "0+1999x80",
      [`http_requests_total{${HTTP},status_code="500"}`]: "0+1x80",
    },
    fireAt: "30m",
  },
  {
    alert: "HostHighCpu",
    labels: nodeLabels,
    fire: { [`node_cpu_seconds_total{${NODE},cpu="0",mode="idle"}`]: "0+6x30" },
    below: { [`node_cpu_seconds_total{${NODE},cpu="0",mode="idle"}`]: "0+15x30" },
    before: "5m",
    fireAt: "15m",
  },
  {
    alert: "HostHighMemory",
    labels: nodeLabels,
    fire: { [`node_memory_MemAvailable_bytes{${NODE}}`]: "5x30", [`node_memory_MemTotal_bytes{${NODE}}`]: "100x30" },
    below: { [`node_memory_MemAvailable_bytes{${NODE}}`]: "15x30", [`node_memory_MemTotal_bytes{${NODE}}`]: "100x30" },
    before: "10m",
    fireAt: "20m",
  },
  {
    alert: "HostDiskFillingUp",
    labels: { ...nodeLabels, device: "/dev/nvme0n1p1", fstype: "ext4", mountpoint: "/" },
    fire: {
      [`node_filesystem_avail_bytes{${FS}}`]: "300-1x80",
      [`node_filesystem_size_bytes{${FS}}`]: "1000x80",
      [`node_filesystem_readonly{${FS}}`]: "0x80",
    },
    below: {
      [`node_filesystem_avail_bytes{${FS}}`]: "300x80",
      [`node_filesystem_size_bytes{${FS}}`]: "1000x80",
      [`node_filesystem_readonly{${FS}}`]: "0x80",
    },
    before: "30m",
    fireAt: "70m",
  },
  {
    alert: "HostDiskAlmostFull",
    labels: { ...nodeLabels, device: "/dev/nvme0n1p1", fstype: "ext4", mountpoint: "/" },
    fire: {
      [`node_filesystem_avail_bytes{${FS}}`]: "50x20",
      [`node_filesystem_size_bytes{${FS}}`]: "1000x20",
      [`node_filesystem_readonly{${FS}}`]: "0x20",
    },
    below: {
      [`node_filesystem_avail_bytes{${FS}}`]: "150x20",
      [`node_filesystem_size_bytes{${FS}}`]: "1000x20",
      [`node_filesystem_readonly{${FS}}`]: "0x20",
    },
    before: "3m",
    fireAt: "8m",
  },
  {
    alert: "HostClockSkew",
    labels: nodeLabels,
    fire: { [`node_timex_offset_seconds{${NODE}}`]: "0.1x30", [`node_timex_sync_status{${NODE}}`]: "1x30" },
    below: { [`node_timex_offset_seconds{${NODE}}`]: "0.01x30", [`node_timex_sync_status{${NODE}}`]: "1x30" },
    before: "5m",
    fireAt: "15m",
  },
  {
    alert: "PrometheusConfigReloadFailed",
    labels: promLabels,
    fire: { [`prometheus_config_last_reload_successful{${PROM}}`]: "0x20" },
    below: { [`prometheus_config_last_reload_successful{${PROM}}`]: "1x20" },
    before: "3m",
    fireAt: "8m",
  },
  {
    alert: "PrometheusRuleEvaluationFailures",
    labels: { ...promLabels, rule_group: "service" },
    fire: { [`prometheus_rule_evaluation_failures_total{${PROM},rule_group="service"}`]: "0+1x20" },
    below: { [`prometheus_rule_evaluation_failures_total{${PROM},rule_group="service"}`]: "0x20" },
    before: "3m",
    fireAt: "10m",
  },
  {
    alert: "PrometheusNotConnectedToAlertmanagers",
    labels: promLabels,
    fire: { [`prometheus_notifications_alertmanagers_discovered{${PROM}}`]: "0x20" },
    below: { [`prometheus_notifications_alertmanagers_discovered{${PROM}}`]: "1x20" },
    before: "3m",
    fireAt: "8m",
  },
  {
    alert: "PrometheusNotificationErrors",
    labels: { ...promLabels, alertmanager: "http://127.0.0.1:9093/api/v2/alerts" },
    fire: {
      [`prometheus_notifications_errors_total{${PROM},alertmanager="http://127.0.0.1:9093/api/v2/alerts"}`]: "0+1x20",
    },
    below: {
      [`prometheus_notifications_errors_total{${PROM},alertmanager="http://127.0.0.1:9093/api/v2/alerts"}`]: "0x20",
    },
    before: "3m",
    fireAt: "10m",
  },
  {
    // The store stops taking samples at minute 5: what was sent stays at 300 while the newest samples move on.
    alert: "PrometheusRemoteWriteBehind",
    labels: { ...promLabels, ...REMOTE },
    fire: {
      [`prometheus_remote_storage_highest_timestamp_in_seconds{${PROM}}`]: "60+60x20",
      [`prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${PROM},${REMOTE_SERIES}}`]: "60+60x4 300x15",
    },
    // A minute behind is batching and backoff, not a store in trouble.
    below: {
      [`prometheus_remote_storage_highest_timestamp_in_seconds{${PROM}}`]: "60+60x20",
      [`prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${PROM},${REMOTE_SERIES}}`]: "0+60x20",
    },
    before: "10m",
    fireAt: "14m",
  },
  {
    alert: "PrometheusRemoteWriteFailing",
    labels: { ...promLabels, ...REMOTE },
    fire: { [`prometheus_remote_storage_samples_failed_total{${PROM},${REMOTE_SERIES}}`]: "0+10x20" },
    below: { [`prometheus_remote_storage_samples_failed_total{${PROM},${REMOTE_SERIES}}`]: "0x20" },
    before: "3m",
    fireAt: "10m",
  },
  {
    // One member of the pair: its peer stops answering gossip (failed peers), later it is dropped (members).
    alert: "AlertmanagerClusterPeerDown",
    labels: amLabels,
    fire: {
      [`alertmanager_cluster_failed_peers{${AM}}`]: "0x2 1x20",
      [`alertmanager_cluster_members{${AM}}`]: "1x22",
    },
    below: {
      [`alertmanager_cluster_failed_peers{${AM}}`]: "0x22",
      [`alertmanager_cluster_members{${AM}}`]: "1x22",
    },
    before: "5m",
    fireAt: "10m",
  },
  {
    alert: "AlertmanagerFailedToSendAlerts",
    labels: { job: "alertmanager", instance: "localhost:9093", integration: "sns" },
    fire: {
      'alertmanager_notifications_failed_total{job="alertmanager",instance="localhost:9093",integration="sns"}':
        "0+1x20",
    },
    below: {
      'alertmanager_notifications_failed_total{job="alertmanager",instance="localhost:9093",integration="sns"}': "0x20",
    },
    before: "3m",
    fireAt: "10m",
  },
  {
    alert: "TargetDown",
    labels: nodeLabels,
    fire: { [`up{${NODE}}`]: "0x20" },
    below: { [`up{${NODE}}`]: "1x20" },
    before: "3m",
    fireAt: "8m",
  },
  { alert: "Watchdog", labels: {}, fire: { [`up{${NODE}}`]: "1x5" }, fireAt: "1m" },
];

/** Expected annotations: the rule's templates with `{{ $labels.x }}` filled in (no other templating is used). */
function expectedAnnotations(rule: AlertRule, labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rule.annotations)) {
    const filled = v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, name: string) => labels[name] ?? "");
    if (filled.includes("{{")) throw new Error(`${rule.alert}.${k} uses templating the test generator cannot expand`);
    out[k] = filled;
  }
  return out;
}

const series = (m: Record<string, string>) => Object.entries(m).map(([s, values]) => ({ series: s, values }));

/** The promtool test file (as an object) for the given rule files and alert rules. */
export function promtoolTests(ruleFiles: string[], rules: AlertRule[]): object {
  const byName = new Map(rules.map((r) => [r.alert, r]));
  const tests: object[] = [];
  for (const c of ALERT_CASES) {
    const rule = byName.get(c.alert);
    if (!rule) throw new Error(`no rule named ${c.alert}`);
    const labels = { ...c.labels, severity: rule.labels.severity };
    tests.push({
      name: `${c.alert} fires`,
      interval: "1m",
      input_series: series(c.fire),
      alert_rule_test: [
        ...(c.before ? [{ eval_time: c.before, alertname: c.alert, exp_alerts: [] }] : []),
        {
          eval_time: c.fireAt,
          alertname: c.alert,
          exp_alerts: [{ exp_labels: labels, exp_annotations: expectedAnnotations(rule, labels) }],
        },
      ],
    });
    if (c.below) {
      tests.push({
        name: `${c.alert} stays quiet just below its threshold`,
        interval: "1m",
        input_series: series(c.below),
        alert_rule_test: [{ eval_time: c.fireAt, alertname: c.alert, exp_alerts: [] }],
      });
    }
  }
  // The SLO recording rules: 1 error in 2 000 requests (0.05 %) spends half of a 99.9 % budget, over the
  // short burn windows (raw rates) and the period (summed increases of the shortest window).
  tests.push({
    name: "SLO recording rules: error ratio per window and error budget remaining",
    interval: "1m",
    input_series: series({
      [`http_requests_total{${HTTP},status_code="200"}`]: "0+1999x180",
      [`http_requests_total{${HTTP},status_code="500"}`]: "0+1x180",
    }),
    promql_expr_test: [
      ...["slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate1h", "slo:sli_error:ratio_rate30d"].map((expr) => ({
        expr: `round(${expr} * 1e6)`,
        eval_time: "3h",
        exp_samples: [{ labels: '{job="taskflow"}', value: 500 }],
      })),
      {
        expr: "round(slo:error_budget:remaining_ratio * 1000)",
        eval_time: "3h",
        exp_samples: [{ labels: '{job="taskflow"}', value: 500 }],
      },
    ],
  });
  // The same traffic with a 20-minute idle spell in the middle: the period's figures stay defined (an average of
  // 5-minute ratios made them NaN for the whole period after one 0/0).
  tests.push({
    name: "SLO period figures stay defined after an idle spell (no traffic counts as no errors)",
    interval: "1m",
    input_series: series({
      [`http_requests_total{${HTTP},status_code="200"}`]: "0+1999x60 119940x20 119940+1999x100",
      [`http_requests_total{${HTTP},status_code="500"}`]: "0+1x60 60x20 60+1x100",
    }),
    promql_expr_test: [
      ...["75m", "3h"].map((at) => ({
        expr: "round(slo:error_budget:remaining_ratio * 1000)",
        eval_time: at,
        exp_samples: [{ labels: '{job="taskflow"}', value: 500 }],
      })),
      {
        expr: "round(slo:sli_error:ratio_rate30d * 1e6)",
        eval_time: "3h",
        exp_samples: [{ labels: '{job="taskflow"}', value: 500 }],
      },
    ],
  });
  return { rule_files: ruleFiles, evaluation_interval: "1m", tests };
}
