/** Fixed uids: dashboards (and people's bookmarks) never depend on provisioning order. */

/** The provisioned datasources (grafana/provisioning.ts), which the panels reference by these. */
export const DATASOURCE_UIDS = {
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  cloudwatch: "cloudwatch",
  managedPrometheus: "managed-prometheus",
};

/** One per dashboard (dashboards/). */
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
