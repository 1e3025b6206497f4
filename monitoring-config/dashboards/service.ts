/**
 * The Service dashboard (RED + SLO): the app's requests, errors and latency by route and by instance, its error
 * budget and burn rate, its tasks and database; with a fleet, its load balancer and database from CloudWatch.
 */
import { BUDGET_REMAINING_RECORD, sloRatioRecord } from "../alerts/slo";
import { BY_INSTANCE, BY_JOB, q, RATE_INTERVAL as r, type DashboardSpec, type PromPanel } from "../grafana/render";
import { DASHBOARD_UIDS } from "../grafana/uids";
import { mixinConfig } from "../mixin";
import type { MonitoringSettings } from "../types";
import { fleetPanels } from "./fleet";
import { errorRatioBy, quantileBy, rateBy } from "./panels";

/** The app's RED signals and SLO, then (on a fleet) the front door's and the database's CloudWatch metrics. */
export function serviceDashboard(s: MonitoringSettings): DashboardSpec {
  const { metrics: M, slo } = mixinConfig(s);
  const job = BY_INSTANCE;
  const panels: PromPanel[] = [
    rateBy(
      "Request rate by route",
      "Requests per second on the public port, by route template (unmatched URLs are one series).",
      `${M.httpRequests}{${job}}`,
      "route",
    ),
    errorRatioBy(
      "Error ratio (5xx) by route",
      "Share of requests answered with a 5xx status, by route. The HighErrorRate alert fires above the threshold.",
      M.httpRequests,
      "route",
    ),
    // Per instance: one slow or failing instance among several shows here before it moves the route averages.
    rateBy(
      "Request rate by instance",
      "Requests per second on the public port, by instance of the selected jobs.",
      `${M.httpRequests}{${job}}`,
      "instance",
    ),
    errorRatioBy(
      "Error ratio (5xx) by instance",
      "Share of requests answered with a 5xx status, by instance: a bad host, not a bad route.",
      M.httpRequests,
      "instance",
    ),
    quantileBy(
      "Latency p95 by instance",
      "95th percentile of request duration, by instance of the selected jobs.",
      M.httpDuration,
      0.95,
      "instance",
    ),
    ...[0.5, 0.95, 0.99].map((quantile) =>
      quantileBy(
        `Latency p${quantile * 100} by route`,
        `${quantile * 100}th percentile of request duration from the histogram, by route.`,
        M.httpDuration,
        quantile,
        "route",
      ),
    ),
    {
      title: "SLO: error budget remaining",
      description: `Share of the error budget left over the SLO period (${slo.period}, objective ${slo.objective}). Below 0 the SLO is missed.`,
      unit: "percentunit",
      kind: "stat",
      queries: [q(`${BUDGET_REMAINING_RECORD}{${BY_JOB}}`, "{{job}} budget remaining")],
    },
    {
      title: "SLO: burn rate",
      description: "Error ratio divided by the error budget, over the page windows. 1 = burning exactly the budget.",
      unit: "short",
      queries: slo.page.flatMap((w) =>
        [w.long, w.short].map((win) =>
          q(`${sloRatioRecord(win)}{${BY_JOB}} / (1 - ${slo.objective})`, `{{job}} burn ${win}`),
        ),
      ),
    },
    {
      title: "Tasks by status",
      description:
        "Tasks currently stored, by status (from the service's database). Every instance of a fleet reports the same shared table: the maximum, not the sum.",
      unit: "short",
      queries: [q(`max by (status) (${M.tasks}{${job}})`, "{{status}}")],
    },
    quantileBy(
      "Database p95 by operation",
      "95th percentile of database statement time (SQLite or PostgreSQL), by operation.",
      M.dbQueryDuration,
      0.95,
      "operation",
    ),
    {
      title: "Slow queries",
      description: "Database statements slower than SLOW_QUERY_MS, per second.",
      unit: "ops",
      queries: [q(`sum(rate(${M.dbSlowQueries}{${job}}[${r}]))`, "slow queries")],
    },
    {
      title: "Process memory and event loop",
      description: "Resident memory of the Node.js process; event-loop lag is on the Host dashboard's saturation view.",
      unit: "bytes",
      queries: [q(`process_resident_memory_bytes{${job}}`, "{{instance}} RSS")],
    },
  ];
  const cw = s.grafana.cloudwatch;
  return {
    uid: DASHBOARD_UIDS.service,
    title: "TaskFlow — Service (RED + SLO)",
    tags: ["red", "slo"],
    variablesFrom: M.httpRequests,
    panels: [...panels, ...(cw?.fleet ? fleetPanels(cw.region, cw.fleet) : [])],
  };
}
