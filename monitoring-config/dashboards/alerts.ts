/** The Alerts dashboard: what fires and what is pending in Prometheus, and what Alertmanager sends. */
import { q, RATE_INTERVAL, type DashboardSpec } from "../grafana/render";
import { DASHBOARD_UIDS } from "../grafana/uids";
import { REPLICA_LABEL } from "../prometheus";

/** An HA pair's replicas both evaluate every alert: in the managed workspace each alert is two series, one here. */
const ONE_REPLICA = `max without (${REPLICA_LABEL}) `;

/** Firing and pending alerts, by severity and name; notifications by integration. */
export function alertsDashboard(): DashboardSpec {
  return {
    uid: DASHBOARD_UIDS.alerts,
    title: "TaskFlow — Alerts",
    tags: ["alerts"],
    panels: [
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
        queries: [
          q(`count by (alertname) (${ONE_REPLICA}(ALERTS{alertstate="pending"})) or vector(0)`, "{{alertname}}"),
        ],
      },
      {
        title: "Notifications sent by integration",
        description: "Alertmanager notifications per second, by integration (webhook, sns, slack, email).",
        unit: "ops",
        queries: [
          q(`sum by (integration) (rate(alertmanager_notifications_total[${RATE_INTERVAL}]))`, "{{integration}}"),
        ],
      },
    ],
  };
}
