/**
 * The dashboard renderer: a dashboard's content (DashboardSpec, from dashboards/) → Grafana's dashboard JSON,
 * built with the Grafana Foundation SDK. Every dashboard gets the same frame: the `$datasource` variable, `$job`
 * and `$instance` when it has an app or host metric to take them from, links to the other dashboards, and its
 * panels laid out two per row.
 */
import * as cloudwatch from "@grafana/grafana-foundation-sdk/cloudwatch";
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
import { DATASOURCE_UIDS, DATASOURCE_VARIABLE } from "./uids";

/** Grafana's rate window: at least four scrape intervals, whatever the zoom. Counters are only read over it. */
export const RATE_INTERVAL = "$__rate_interval";
/** The selector of the `$job` and `$instance` variables ("All" is `.*`): every panel query narrows by it. */
export const BY_INSTANCE = 'job=~"$job",instance=~"$instance"';
/** The selector of `$job` alone: recording rules (slo:*) keep the job but not the instance. */
export const BY_JOB = 'job=~"$job"';

/** One query of a Prometheus panel and its legend. */
export interface PromQuery {
  expr: string;
  legend: string;
}
/** A Prometheus query with its legend. */
export const q = (expr: string, legend: string): PromQuery => ({ expr, legend });

/** A panel of the dashboard's `$datasource` (any Prometheus). */
export interface PromPanel {
  title: string;
  description: string;
  unit: string;
  queries: PromQuery[];
  kind?: "timeseries" | "stat";
  min?: number;
  max?: number;
}

/** One CloudWatch metric of a panel: its statistic over `period` seconds, under `label`. */
export interface CloudWatchQuery {
  refId: string;
  namespace: string;
  metric: string;
  dimensions?: Record<string, string>;
  stat: string;
  period: string;
  label: string;
}
/** A time series of CloudWatch metrics (the CloudWatch datasource, in `region`). */
export interface CloudWatchPanel {
  datasource: "cloudwatch";
  region: string;
  title: string;
  description: string;
  unit: string;
  queries: CloudWatchQuery[];
}

/** What a dashboard shows; the renderer adds the frame and the layout. */
export interface DashboardSpec {
  uid: string;
  title: string;
  /** Besides "taskflow", which every dashboard carries (the links between them follow it). */
  tags: string[];
  /** The metric whose label values fill `$job` and `$instance` (absent: the dashboard has no such variables). */
  variablesFrom?: string;
  panels: (PromPanel | CloudWatchPanel)[];
}

const promDs = { type: "prometheus", uid: DATASOURCE_VARIABLE };
const cwDs = { type: "cloudwatch", uid: DATASOURCE_UIDS.cloudwatch };

/** Lay panels out two per row, 12 columns wide and 8 high each. */
class Layout {
  private i = 0;
  next() {
    const pos = { x: (this.i % 2) * 12, y: Math.floor(this.i / 2) * 8, w: 12, h: 8 };
    this.i++;
    return pos;
  }
}
type GridPos = ReturnType<Layout["next"]>;

function promPanel(spec: PromPanel, gridPos: GridPos) {
  const targets = spec.queries.map((query, i) =>
    new prometheus.DataqueryBuilder()
      .expr(query.expr)
      .legendFormat(query.legend)
      .refId(String.fromCharCode(65 + i))
      .datasource(promDs),
  );
  const panel = spec.kind === "stat" ? new stat.PanelBuilder() : new timeseries.PanelBuilder();
  panel.title(spec.title).description(spec.description).unit(spec.unit).datasource(promDs).gridPos(gridPos);
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  for (const t of targets) panel.withTarget(t);
  return panel;
}

function cloudWatchPanel(spec: CloudWatchPanel, gridPos: GridPos) {
  const panel = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(cwDs)
    .gridPos(gridPos);
  for (const x of spec.queries) {
    const query = new cloudwatch.MetricsQueryBuilder()
      .refId(x.refId)
      .datasource(cwDs)
      .region(spec.region)
      .namespace(x.namespace)
      .metricName(x.metric);
    if (x.dimensions) query.dimensions(x.dimensions);
    panel.withTarget(query.statistic(x.stat).period(x.period).label(x.label));
  }
  return panel;
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
 * The frame of a TaskFlow dashboard: the `$datasource` variable (any Prometheus: the host's, or the managed
 * workspace with every replica's series), `$job` and `$instance` over `metric` when given, and links to the
 * other TaskFlow dashboards that keep the time range and the variables.
 */
function frame(spec: DashboardSpec) {
  const d = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .tags(["taskflow", ...spec.tags])
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
  const metric = spec.variablesFrom;
  if (metric) {
    d.withVariable(labelVariable("job", "Job", metric)).withVariable(
      labelVariable("instance", "Instance", `${metric}{${BY_JOB}}`),
    );
  }
  return d;
}

/** Grafana's JSON of a dashboard: the frame, then every panel in order, two per row. */
export function renderDashboard(spec: DashboardSpec): object {
  const layout = new Layout();
  const d = frame(spec);
  for (const p of spec.panels) {
    d.withPanel("datasource" in p ? cloudWatchPanel(p, layout.next()) : promPanel(p, layout.next()));
  }
  return d.build();
}
