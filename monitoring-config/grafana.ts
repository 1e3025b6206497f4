import * as cloudwatch from "@grafana/grafana-foundation-sdk/cloudwatch";
import type { FleetMetrics } from "./types";
import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { CIS_METRICS } from "./contract";
import { METRIC_NAMES as M } from "./contract";
import type { MonitoringSettings } from "./types";
import { REPLICA_LABEL, tlsPaths } from "./prometheus";
import { GRAFANA_WEB_PASSWORD_ENV, secretPath } from "./secrets";
import { sloRatioRecord } from "./alerts/slo";

/** Datasource uids are fixed so dashboards (and people's bookmarks) never depend on provisioning order. */
export const DATASOURCE_UIDS = {
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  cloudwatch: "cloudwatch",
  managedPrometheus: "managed-prometheus",
};
export const DASHBOARD_UIDS = {
  service: "taskflow-service",
  host: "taskflow-host",
  security: "taskflow-security",
  alerts: "taskflow-alerts",
};

/**
 * Every Prometheus panel queries the dashboard's `$datasource` (the host's Prometheus by default; the Managed
 * Prometheus workspace when the stack writes to one), filtered by `$job` and `$instance` where it has them.
 */
export const DATASOURCE_VARIABLE = "${datasource}";
const promDs = { type: "prometheus", uid: DATASOURCE_VARIABLE };
/** The selector of the job and instance variables ("All" is `.*`), and of the job alone (recording rules). */
const BY_INSTANCE = 'job=~"$job",instance=~"$instance"';
const BY_JOB = 'job=~"$job"';
const cwDs = { type: "cloudwatch", uid: DATASOURCE_UIDS.cloudwatch };

interface Query {
  expr: string;
  legend: string;
}
interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  kind?: "timeseries" | "stat";
  min?: number;
  max?: number;
}

const q = (expr: string, legend: string): Query => ({ expr, legend });

/** Lay panels out two per row, 12 columns wide and 8 high each. */
class Layout {
  private i = 0;
  next() {
    const pos = { x: (this.i % 2) * 12, y: Math.floor(this.i / 2) * 8, w: 12, h: 8 };
    this.i++;
    return pos;
  }
}

function promPanel(spec: PanelSpec, layout: Layout) {
  const targets = spec.queries.map((query, i) =>
    new prometheus.DataqueryBuilder()
      .expr(query.expr)
      .legendFormat(query.legend)
      .refId(String.fromCharCode(65 + i))
      .datasource(promDs),
  );
  const panel = spec.kind === "stat" ? new stat.PanelBuilder() : new timeseries.PanelBuilder();
  panel.title(spec.title).description(spec.description).unit(spec.unit).datasource(promDs).gridPos(layout.next());
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  for (const t of targets) panel.withTarget(t);
  return panel;
}

/** A panel of a counter's per-second rate summed by one label (one series per label value). */
function rateBy(title: string, description: string, selector: string, label: string): PanelSpec {
  return {
    title,
    description,
    unit: "reqps",
    queries: [q(`sum by (${label}) (rate(${selector}[$__rate_interval]))`, `{{${label}}}`)],
  };
}

/**
 * A dashboard over the app's jobs: the panels' selector (job and instance variables), the job-only selector of
 * the recording rules, the rate interval, a layout and the builder. `$job` lists every job that serves TaskFlow's
 * requests (the app's, by default the only one), `$instance` every instance of the chosen jobs.
 */
function appDashboard(uid: string, title: string, tags: string[]) {
  return {
    job: BY_INSTANCE,
    jobOnly: BY_JOB,
    r: "$__rate_interval",
    layout: new Layout(),
    d: dashboard(uid, title, tags, M.httpRequests),
  };
}

/** A multi-value query variable of label values of `metric` (all of them by default; "All" is `.*`). */
function labelVariable(name: string, label: string, selector: string) {
  const query = `label_values(${selector}, ${name})`;
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(promDs)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(".*")
    .current({ text: "All", value: "$__all" });
}

/**
 * A TaskFlow dashboard: the `$datasource` variable (any Prometheus: the host's, or the managed workspace with
 * every replica's series), `$job` and `$instance` over `metric` when given, and links to the other TaskFlow
 * dashboards that keep the time range and the variables.
 */
function dashboard(uid: string, title: string, tags: string[], metric?: string) {
  const d = new DashboardBuilder(title)
    .uid(uid)
    .tags(["taskflow", ...tags])
    .refresh("30s")
    .time({ from: "now-3h", to: "now" })
    .timezone("browser")
    .editable()
    .withVariable(
      new DatasourceVariableBuilder("datasource")
        .label("Data source")
        .type("prometheus")
        .current({ text: "Prometheus", value: DATASOURCE_UIDS.prometheus }),
    )
    .link(
      new DashboardLinkBuilder("TaskFlow dashboards")
        .type(DashboardLinkType.Dashboards)
        .tags(["taskflow"])
        .asDropdown(false)
        .includeVars(true)
        .keepTime(true),
    );
  if (metric) {
    d.withVariable(labelVariable("job", "Job", metric)).withVariable(
      labelVariable("instance", "Instance", `${metric}{job=~"$job"}`),
    );
  }
  return d;
}

export function serviceDashboard(s: MonitoringSettings): object {
  const { job, jobOnly, r, layout, d } = appDashboard(DASHBOARD_UIDS.service, "TaskFlow — Service (RED + SLO)", [
    "red",
    "slo",
  ]);
  const panels: PanelSpec[] = [
    rateBy(
      "Request rate by route",
      "Requests per second on the public port, by route template (unmatched URLs are one series).",
      `${M.httpRequests}{${job}}`,
      "route",
    ),
    {
      title: "Error ratio (5xx) by route",
      description:
        "Share of requests answered with a 5xx status, by route. The HighErrorRate alert fires above the threshold.",
      unit: "percentunit",
      queries: [
        q(
          `sum by (route) (rate(${M.httpRequests}{${job},status_code=~"5.."}[${r}])) / sum by (route) (rate(${M.httpRequests}{${job}}[${r}]))`,
          "{{route}}",
        ),
      ],
    },
    // Per instance: one slow or failing instance among several shows here before it moves the route averages.
    rateBy(
      "Request rate by instance",
      "Requests per second on the public port, by instance of the selected jobs.",
      `${M.httpRequests}{${job}}`,
      "instance",
    ),
    {
      title: "Error ratio (5xx) by instance",
      description: "Share of requests answered with a 5xx status, by instance: a bad host, not a bad route.",
      unit: "percentunit",
      queries: [
        q(
          `sum by (instance) (rate(${M.httpRequests}{${job},status_code=~"5.."}[${r}])) / sum by (instance) (rate(${M.httpRequests}{${job}}[${r}]))`,
          "{{instance}}",
        ),
      ],
    },
    {
      title: "Latency p95 by instance",
      description: "95th percentile of request duration, by instance of the selected jobs.",
      unit: "s",
      queries: [
        q(
          `histogram_quantile(0.95, sum by (instance, le) (rate(${M.httpDuration}_bucket{${job}}[${r}])))`,
          "{{instance}}",
        ),
      ],
    },
    ...([0.5, 0.95, 0.99] as const).map((quantile) => ({
      title: `Latency p${quantile * 100} by route`,
      description: `${quantile * 100}th percentile of request duration from the histogram, by route.`,
      unit: "s",
      queries: [
        q(
          `histogram_quantile(${quantile}, sum by (route, le) (rate(${M.httpDuration}_bucket{${job}}[${r}])))`,
          "{{route}}",
        ),
      ],
    })),
    {
      title: "SLO: error budget remaining",
      description: `Share of the error budget left over the SLO period (${s.slo.period}, objective ${s.slo.objective}). Below 0 the SLO is missed.`,
      unit: "percentunit",
      kind: "stat",
      queries: [q(`slo:error_budget:remaining_ratio{${jobOnly}}`, "{{job}} budget remaining")],
    },
    {
      title: "SLO: burn rate",
      description: "Error ratio divided by the error budget, over the page windows. 1 = burning exactly the budget.",
      unit: "short",
      queries: s.slo.page.flatMap((w) => [
        q(`${sloRatioRecord(w.long)}{${jobOnly}} / (1 - ${s.slo.objective})`, `{{job}} burn ${w.long}`),
        q(`${sloRatioRecord(w.short)}{${jobOnly}} / (1 - ${s.slo.objective})`, `{{job}} burn ${w.short}`),
      ]),
    },
    {
      title: "Tasks by status",
      description:
        "Tasks currently stored, by status (from the service's database). Every instance of a fleet reports the same shared table: the maximum, not the sum.",
      unit: "short",
      queries: [q(`max by (status) (${M.tasks}{${job}})`, "{{status}}")],
    },
    {
      title: "Database p95 by operation",
      description: "95th percentile of database statement time (SQLite or PostgreSQL), by operation.",
      unit: "s",
      queries: [
        q(
          `histogram_quantile(0.95, sum by (operation, le) (rate(${M.dbQueryDuration}_bucket{${job}}[${r}])))`,
          "{{operation}}",
        ),
      ],
    },
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
  for (const p of panels) d.withPanel(promPanel(p, layout));
  const fleet = s.grafana.cloudwatch?.fleet;
  if (fleet) for (const p of fleetPanels(s.grafana.cloudwatch!.region, fleet)) d.withPanel(p.gridPos(layout.next()));
  return d.build();
}

/**
 * The fleet's load balancer and database, from CloudWatch (they expose no Prometheus metrics): what clients get
 * at the front door, how many instances serve, and how close the database is to saturation.
 */
function fleetPanels(region: string, fleet: FleetMetrics): timeseries.PanelBuilder[] {
  const lb = { LoadBalancer: fleet.loadBalancer };
  const tg = { LoadBalancer: fleet.loadBalancer, TargetGroup: fleet.targetGroup };
  const db = { DBInstanceIdentifier: fleet.dbInstance };
  const panel = (
    title: string,
    description: string,
    unit: string,
    queries: { namespace: string; metric: string; dims: Record<string, string>; stat: string; label: string }[],
  ) =>
    queries.reduce(
      (b, x, i) =>
        b.withTarget(
          new cloudwatch.MetricsQueryBuilder()
            .refId(`F${i}`)
            .datasource(cwDs)
            .region(region)
            .namespace(x.namespace)
            .metricName(x.metric)
            .dimensions(x.dims)
            .statistic(x.stat)
            .period("60")
            .label(x.label),
        ),
      new timeseries.PanelBuilder().title(title).description(description).unit(unit).datasource(cwDs),
    );
  const elb = "AWS/ApplicationELB";
  const rds = "AWS/RDS";
  return [
    panel(
      "Load balancer: 5xx per minute",
      "5xx answered by the load balancer itself (no healthy target) and by the targets.",
      "short",
      [
        { namespace: elb, metric: "HTTPCode_ELB_5XX_Count", dims: lb, stat: "Sum", label: "load balancer 5xx" },
        { namespace: elb, metric: "HTTPCode_Target_5XX_Count", dims: lb, stat: "Sum", label: "target 5xx" },
      ],
    ),
    panel(
      "Load balancer: target response time",
      "Time from the load balancer sending a request to a target until the response starts, p99 and p50.",
      "s",
      [
        { namespace: elb, metric: "TargetResponseTime", dims: lb, stat: "p99", label: "p99" },
        { namespace: elb, metric: "TargetResponseTime", dims: lb, stat: "p50", label: "p50" },
      ],
    ),
    panel(
      "Load balancer: healthy and unhealthy targets",
      "App instances passing and failing the /health check; fewer healthy than appMinSize pages.",
      "short",
      [
        { namespace: elb, metric: "HealthyHostCount", dims: tg, stat: "Minimum", label: "healthy" },
        { namespace: elb, metric: "UnHealthyHostCount", dims: tg, stat: "Maximum", label: "unhealthy" },
      ],
    ),
    panel(
      "Database: CPU",
      "RDS CPU utilisation of the database instance; above 80 % for 15 minutes pages.",
      "percent",
      [{ namespace: rds, metric: "CPUUtilization", dims: db, stat: "Average", label: "CPU" }],
    ),
    panel("Database: connections", "Open connections to the database (each app instance pools up to 10).", "short", [
      { namespace: rds, metric: "DatabaseConnections", dims: db, stat: "Maximum", label: "connections" },
    ]),
    panel(
      "Database: free storage",
      "Free storage of the database volume; storage autoscaling grows it up to 5 × dbStorageGiB.",
      "bytes",
      [{ namespace: rds, metric: "FreeStorageSpace", dims: db, stat: "Minimum", label: "free" }],
    ),
  ];
}

export function hostDashboard(): object {
  const r = "$__rate_interval";
  const layout = new Layout();
  const d = dashboard(DASHBOARD_UIDS.host, "TaskFlow — Hosts (USE)", ["use", "node"], "node_uname_info");
  const i = BY_INSTANCE;
  const panels: PanelSpec[] = [
    {
      title: "CPU utilisation",
      description: "Share of CPU time not idle, per host (utilisation).",
      unit: "percentunit",
      min: 0,
      max: 1,
      queries: [q(`1 - avg by (instance) (rate(node_cpu_seconds_total{${i},mode="idle"}[${r}]))`, "{{instance}}")],
    },
    {
      title: "Load average per CPU",
      description: "1-minute load average divided by the number of CPUs (saturation): above 1 means queuing.",
      unit: "short",
      queries: [
        q(
          `node_load1{${i}} / on (instance) count by (instance) (rate(node_cpu_seconds_total{${i},mode="idle"}[${r}]))`,
          "{{instance}}",
        ),
      ],
    },
    {
      title: "Memory used",
      description: "Share of memory not available to new work, per host.",
      unit: "percentunit",
      min: 0,
      max: 1,
      queries: [q(`1 - node_memory_MemAvailable_bytes{${i}} / node_memory_MemTotal_bytes{${i}}`, "{{instance}}")],
    },
    {
      title: "Disk space used",
      description: "Share of each real filesystem in use.",
      unit: "percentunit",
      min: 0,
      max: 1,
      queries: [
        q(
          `1 - node_filesystem_avail_bytes{${i},fstype!~"tmpfs|overlay|squashfs|ramfs|nsfs"} / node_filesystem_size_bytes{${i},fstype!~"tmpfs|overlay|squashfs|ramfs|nsfs"}`,
          "{{instance}} {{mountpoint}}",
        ),
      ],
    },
    {
      title: "Disk I/O time",
      description: "Share of time each block device was busy (utilisation).",
      unit: "percentunit",
      queries: [q(`rate(node_disk_io_time_seconds_total{${i}}[${r}])`, "{{instance}} {{device}}")],
    },
    {
      title: "Network throughput",
      description: "Bytes received and transmitted per second, per interface (loopback excluded).",
      unit: "Bps",
      queries: [
        q(`sum by (instance) (rate(node_network_receive_bytes_total{${i},device!="lo"}[${r}]))`, "{{instance}} rx"),
        q(`sum by (instance) (rate(node_network_transmit_bytes_total{${i},device!="lo"}[${r}]))`, "{{instance}} tx"),
      ],
    },
    {
      title: "Network errors",
      description: "Receive and transmit errors per second (errors).",
      unit: "pps",
      queries: [
        q(
          `sum by (instance) (rate(node_network_receive_errs_total{${i}}[${r}]) + rate(node_network_transmit_errs_total{${i}}[${r}]))`,
          "{{instance}}",
        ),
      ],
    },
    {
      title: "Clock offset",
      description: "Offset of the system clock reported by the kernel's timex; HostClockSkew fires past the threshold.",
      unit: "s",
      queries: [q(`node_timex_offset_seconds{${i}}`, "{{instance}}")],
    },
  ];
  for (const p of panels) d.withPanel(promPanel(p, layout));
  return d.build();
}

export function securityDashboard(s: MonitoringSettings): object {
  const { job, r, layout, d } = appDashboard(DASHBOARD_UIDS.security, "TaskFlow — Security", ["security"]);
  const panels: PanelSpec[] = [
    rateBy(
      "Authentication failures by reason",
      "Requests to /tasks refused with 401 per second, by reason (missing, malformed, invalid token).",
      `${M.authFailures}{${job}}`,
      "reason",
    ),
    {
      title: "4xx responses by route",
      description: "Client errors per second by route and status: probing, broken clients, validation failures.",
      unit: "reqps",
      queries: [
        q(
          `sum by (route, status_code) (rate(${M.httpRequests}{${job},status_code=~"4.."}[${r}]))`,
          "{{route}} {{status_code}}",
        ),
      ],
    },
    {
      title: "Rate-limited requests",
      description: "Requests refused with 429 by the per-client rate limit, per second.",
      unit: "reqps",
      queries: [q(`sum(rate(${M.rateLimited}{${job}}[${r}]))`, "rate limited")],
    },
  ];
  for (const p of panels) d.withPanel(promPanel(p, layout));

  const cw = s.grafana.cloudwatch;
  if (cw) {
    const cis = new timeseries.PanelBuilder()
      .title("CloudTrail CIS alarms (events per 5 min)")
      .description(
        "CIS AWS Foundations §4 metric filters on the CloudTrail log group; any non-zero value raised an alarm.",
      )
      .unit("short")
      .datasource(cwDs)
      .gridPos(layout.next());
    CIS_METRICS.forEach((metric, i) =>
      cis.withTarget(
        new cloudwatch.MetricsQueryBuilder()
          .refId(`C${i}`)
          .datasource(cwDs)
          .region(cw.region)
          .namespace(cw.cisNamespace)
          .metricName(metric)
          .statistic("Sum")
          .period("300")
          .label(metric),
      ),
    );
    d.withPanel(cis);
    d.withPanel(
      new timeseries.PanelBuilder()
        .title("GuardDuty findings routed to alerts")
        .description(
          "Invocations of the EventBridge rule that forwards GuardDuty findings at or above the configured severity to the alert topic.",
        )
        .unit("short")
        .datasource(cwDs)
        .gridPos(layout.next())
        .withTarget(
          new cloudwatch.MetricsQueryBuilder()
            .refId("G")
            .datasource(cwDs)
            .region(cw.region)
            .namespace("AWS/Events")
            .metricName("TriggeredRules")
            .dimensions({ RuleName: cw.guardDutyRuleName })
            .statistic("Sum")
            .period("300")
            .label("findings"),
        ),
    );
  }
  return d.build();
}

/** An HA pair's replicas both evaluate every alert: in the managed workspace each alert is two series, one here. */
const ONE_REPLICA = `max without (${REPLICA_LABEL}) `;

export function alertsDashboard(): object {
  const layout = new Layout();
  const d = dashboard(DASHBOARD_UIDS.alerts, "TaskFlow — Alerts", ["alerts"]);
  const panels: PanelSpec[] = [
    {
      title: "Firing alerts by severity",
      description:
        "Alerts currently firing in Prometheus, by severity (the Watchdog heartbeat is always one info alert).",
      unit: "short",
      kind: "stat",
      queries: [q(`count by (severity) (${ONE_REPLICA}(ALERTS{alertstate="firing"}))`, "{{severity}}")],
    },
    {
      title: "Firing alerts over time",
      description: "Firing alerts by name and severity over the selected range.",
      unit: "short",
      queries: [
        q(
          `count by (alertname, severity) (${ONE_REPLICA}(ALERTS{alertstate="firing"}))`,
          "{{alertname}} ({{severity}})",
        ),
      ],
    },
    {
      title: "Pending alerts",
      description: "Alerts whose condition holds but whose `for` has not elapsed yet.",
      unit: "short",
      queries: [q(`count by (alertname) (${ONE_REPLICA}(ALERTS{alertstate="pending"})) or vector(0)`, "{{alertname}}")],
    },
    {
      title: "Notifications sent by integration",
      description: "Alertmanager notifications per second, by integration (webhook, sns, slack, email).",
      unit: "ops",
      queries: [
        q(`sum by (integration) (rate(alertmanager_notifications_total[$__rate_interval]))`, "{{integration}}"),
      ],
    },
  ];
  for (const p of panels) d.withPanel(promPanel(p, layout));
  return d.build();
}

/** Datasources provisioning: Prometheus and Alertmanager always, CloudWatch on AWS (instance-role auth). */
export function datasourcesProvisioning(s: MonitoringSettings): object {
  const l = s.listen;
  const scheme = s.tls ? "https" : "http";
  // Credentials and, with TLS, the host certificate as the only CA Grafana trusts for its peers.
  const secureJsonData = {
    ...(s.basicAuth ? { basicAuthPassword: `$${GRAFANA_WEB_PASSWORD_ENV}` } : {}),
    ...(s.tls ? { tlsCACert: s.tls.certPem } : {}),
  };
  const peer = {
    ...(s.basicAuth ? { basicAuth: true, basicAuthUser: s.basicAuth.username } : {}),
    ...(Object.keys(secureJsonData).length ? { secureJsonData } : {}),
  };
  const tlsJson = s.tls ? { tlsAuthWithCACert: true } : {};
  return {
    apiVersion: 1,
    datasources: [
      {
        name: "Prometheus",
        uid: DATASOURCE_UIDS.prometheus,
        type: "prometheus",
        access: "proxy",
        url: `${scheme}://127.0.0.1:${l.prometheusPort}`,
        isDefault: true,
        editable: false,
        jsonData: { timeInterval: s.scrapeInterval, httpMethod: "POST", ...tlsJson },
        ...peer,
      },
      {
        name: "Alertmanager",
        uid: DATASOURCE_UIDS.alertmanager,
        type: "alertmanager",
        access: "proxy",
        url: `${scheme}://127.0.0.1:${l.alertmanagerPort}`,
        editable: false,
        jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false, ...tlsJson },
        ...peer,
      },
      ...(s.grafana.cloudwatch
        ? [
            {
              name: "CloudWatch",
              uid: DATASOURCE_UIDS.cloudwatch,
              type: "cloudwatch",
              editable: false,
              jsonData: { authType: "default", defaultRegion: s.grafana.cloudwatch.region },
            },
          ]
        : []),
      // The long-term store: the same series (every replica's, told apart by `replica`), queried with SigV4 and
      // the instance role (grafana.ini enables SigV4 for Prometheus datasources).
      ...(s.grafana.managedPrometheus
        ? [
            {
              name: "Managed Prometheus",
              uid: DATASOURCE_UIDS.managedPrometheus,
              type: "prometheus",
              access: "proxy",
              url: s.grafana.managedPrometheus.url,
              editable: false,
              jsonData: {
                timeInterval: s.scrapeInterval,
                httpMethod: "POST",
                sigV4Auth: true,
                sigV4AuthType: "default",
                sigV4Region: s.grafana.managedPrometheus.region,
              },
            },
          ]
        : []),
    ],
  };
}

export function dashboardsProvisioning(dashboardsPath: string): object {
  return {
    apiVersion: 1,
    providers: [
      {
        name: "taskflow",
        orgId: 1,
        folder: "TaskFlow",
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: dashboardsPath },
      },
    ],
  };
}

/** grafana.ini: anonymous access off, no sign-up, admin password from settings. */
export function grafanaIni(s: MonitoringSettings): string {
  const tls = s.tls ? tlsPaths("grafana") : undefined;
  return [
    "[server]",
    `http_port = ${s.listen.grafanaPort}`,
    ...(tls ? ["protocol = https", `cert_file = ${tls.cert}`, `cert_key = ${tls.key}`] : []),
    "",
    "[security]",
    "admin_user = admin",
    // Read from the secrets the apply step installs, so this file holds no credential.
    `admin_password = $__file{${secretPath("grafana", "admin-password")}}`,
    "disable_gravatar = true",
    // Session cookies only over https, when Grafana serves it.
    `cookie_secure = ${s.tls ? "true" : "false"}`,
    "",
    "[auth.anonymous]",
    "enabled = false",
    "",
    ...(s.grafana.managedPrometheus ? ["[auth]", "sigv4_auth_enabled = true", ""] : []),
    "[users]",
    "allow_sign_up = false",
    "",
    "[analytics]",
    "reporting_enabled = false",
    "check_for_updates = false",
    "",
  ].join("\n");
}
