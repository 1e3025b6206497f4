/**
 * The app's alerts (group `taskflow-service`, with the probes): its metrics target, and its RED signals —
 * errors, latency — with the database, authentication and rate-limiting symptoms it reports.
 */
import { SELECTORS, type MixinConfig } from "../mixin";
import { pct, type AlertFactory, type AlertRule } from "./rule";

/** The app's target and RED alerts: every selector is the app's job. */
export function serviceAlerts(c: MixinConfig, alert: AlertFactory): AlertRule[] {
  const { thresholds: t, metrics: M, appMatcher: job } = c;
  const w = t.rateWindow;
  return [
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
      `No target of job ${c.appJob} has been scraped for ${t.serviceTargetMissingFor}: discovery finds no app instance (terminated, re-tagged, or discovery failing), so ServiceDown cannot fire either.`,
    ),
    alert(
      "HighErrorRate",
      "critical",
      `(sum by (job, instance) (rate(${M.httpRequests}{${job},${SELECTORS.serverError}}[${w}])) / sum by (job, instance) (rate(${M.httpRequests}{${job}}[${w}]))) > ${t.errorRatio}`,
      t.errorRateFor,
      `TaskFlow on {{ $labels.instance }} answers more than ${pct(t.errorRatio)} of requests with 5xx`,
      `More than ${pct(t.errorRatio)} of requests failed with a 5xx status over ${w} for ${t.errorRateFor}.`,
    ),
    alert(
      "HighLatencyP95",
      "warning",
      `histogram_quantile(0.95, sum by (job, instance, le) (rate(${M.httpDuration}_bucket{${job},${SELECTORS.matchedRoute}}[${w}]))) > ${t.latencyP95Seconds}`,
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
  ];
}
