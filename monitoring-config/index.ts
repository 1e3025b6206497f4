/**
 * monitoring-config: settings → the files that configure Prometheus, Alertmanager, blackbox_exporter and
 * Grafana. Pure TypeScript, no Pulumi: `npm run local`, the tests and the MonitoringHost all call
 * `renderBundle`, so what is tested is what is deployed.
 */
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { alertmanagerConfig } from "./alertmanager";
import { composeFile } from "./compose";
import { alertsDashboard } from "./dashboards/alerts";
import { hostDashboard } from "./dashboards/host";
import { securityDashboard } from "./dashboards/security";
import { serviceDashboard } from "./dashboards/service";
import { grafanaIni } from "./grafana/ini";
import { dashboardsProvisioning, datasourcesProvisioning } from "./grafana/provisioning";
import { renderDashboard, type DashboardSpec } from "./grafana/render";
import { blackboxConfig, peerCertPath, prometheusConfig, webConfig } from "./prometheus";
import { buildRuleFiles } from "./rules";
import type { MonitoringSettings } from "./types";
import { secretFiles, TLS_SERVICES } from "./secrets";
import { validateSettings, type ValidateOptions } from "./validation";

export * from "./contract";
export * from "./durations";
export * from "./images";
export * from "./profiles";
export { splitSecrets } from "./secrets";
export * from "./thresholds";
export * from "./types";
export * from "./validation";
export { allAlerts, buildRuleFiles } from "./rules";
export { errorBudget, sloRatioRecord, sloWindows } from "./alerts/slo";
export type { AlertRule, RecordingRule, RuleFile, RuleGroup, Severity } from "./alerts/rule";
export { DASHBOARD_UIDS, DATASOURCE_UIDS, DATASOURCE_VARIABLE } from "./grafana/uids";
export { JOBS, SELECTORS, jobMatcher, mixinConfig, type MixinConfig } from "./mixin";
export { bcryptHash, bcryptSalt, REPLICA_LABEL } from "./prometheus";
export { clusterFlags } from "./compose";

/** Relative path → file content. */
export type Bundle = Record<string, string>;

const HEADER = "# Rendered by monitoring-config (npm run render). Do not edit: change the settings instead.\n";

export function toYaml(value: unknown): string {
  return HEADER + stringify(value, { lineWidth: 0, sortMapEntries: false });
}

/** Where Grafana reads provisioned dashboards inside its container / on the local machine. */
export const GRAFANA_DASHBOARDS_PATH = "/var/lib/grafana/dashboards";

/** Render every file for the given settings (validated first). Deterministic: same settings, same bytes. */
export function renderBundle(
  settings: MonitoringSettings,
  opts: { dashboardsPath?: string } & ValidateOptions = {},
): Bundle {
  const s = validateSettings(settings, opts);
  const files: Bundle = {
    "prometheus/prometheus.yml": toYaml(prometheusConfig(s)),
    "alertmanager/alertmanager.yml": toYaml(alertmanagerConfig(s)),
    "blackbox/blackbox.yml": toYaml(blackboxConfig(s)),
    "grafana/grafana.ini": grafanaIni(s),
    "grafana/provisioning/datasources/datasources.yml": toYaml(datasourcesProvisioning(s)),
    "grafana/provisioning/dashboards/taskflow.yml": toYaml(
      dashboardsProvisioning(opts.dashboardsPath ?? GRAFANA_DASHBOARDS_PATH),
    ),
    "docker-compose.yml": toYaml(composeFile(s)),
  };
  const dashboards: Record<string, DashboardSpec> = {
    service: serviceDashboard(s),
    host: hostDashboard(),
    security: securityDashboard(s),
    alerts: alertsDashboard(),
  };
  for (const [name, spec] of Object.entries(dashboards)) {
    files[`grafana/dashboards/${name}.json`] = JSON.stringify(renderDashboard(spec), null, 2) + "\n";
  }
  for (const rf of buildRuleFiles(s)) files[`prometheus/rules/${rf.file}`] = toYaml({ groups: rf.groups });
  for (const service of ["prometheus", "alertmanager"] as const) {
    const web = webConfig(s, service);
    if (web) files[`${service}/web.yml`] = toYaml(web);
  }
  if (s.tls) {
    // One copy per service directory: each is readable only by the group its container runs as (on the host).
    for (const service of TLS_SERVICES) files[`${service}/tls/server.crt`] = s.tls.certPem;
    if (s.tls.probeCaPem) files["blackbox/probe-ca.crt"] = s.tls.probeCaPem;
  }
  s.ha?.peerAlertmanagers.forEach((p, i) => {
    if (p.certPem) files[`prometheus/tls/${peerCertPath(i).split("/").pop()}`] = p.certPem;
  });
  Object.assign(files, secretFiles(s));
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}

/** sha256 over sorted paths and contents: the trigger that re-applies the bundle on the host. */
export function bundleHash(bundle: Bundle): string {
  const h = createHash("sha256");
  for (const path of Object.keys(bundle).sort()) h.update(path).update("\0").update(bundle[path]).update("\0");
  return h.digest("hex");
}
