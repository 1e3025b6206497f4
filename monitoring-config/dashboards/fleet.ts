/**
 * The fleet's load balancer and database on the Service dashboard, from CloudWatch (they expose no Prometheus
 * metrics): what clients get at the front door, how many instances serve, and how close the database is to
 * saturation.
 */
import type { CloudWatchPanel, CloudWatchQuery } from "../grafana/render";
import type { FleetMetrics } from "../types";

/** A fleet panel: its metrics, each a statistic per minute. */
interface FleetPanel {
  title: string;
  description: string;
  unit: string;
  metrics: Omit<CloudWatchQuery, "refId" | "period">[];
}

/** The fleet's CloudWatch panels: three of the load balancer (ALB), three of the database (RDS). */
export function fleetPanels(region: string, fleet: FleetMetrics): CloudWatchPanel[] {
  const metricOf =
    (namespace: string, dimensions: Record<string, string>) => (metric: string, stat: string, label: string) => ({
      namespace,
      metric,
      dimensions,
      stat,
      label,
    });
  const lb = metricOf("AWS/ApplicationELB", { LoadBalancer: fleet.loadBalancer });
  const tg = metricOf("AWS/ApplicationELB", { LoadBalancer: fleet.loadBalancer, TargetGroup: fleet.targetGroup });
  const db = metricOf("AWS/RDS", { DBInstanceIdentifier: fleet.dbInstance });
  const panels: FleetPanel[] = [
    {
      title: "Load balancer: 5xx per minute",
      description: "5xx answered by the load balancer itself (no healthy target) and by the targets.",
      unit: "short",
      metrics: [
        lb("HTTPCode_ELB_5XX_Count", "Sum", "load balancer 5xx"),
        lb("HTTPCode_Target_5XX_Count", "Sum", "target 5xx"),
      ],
    },
    {
      title: "Load balancer: target response time",
      description: "Time from the load balancer sending a request to a target until the response starts, p99 and p50.",
      unit: "s",
      metrics: ["p99", "p50"].map((p) => lb("TargetResponseTime", p, p)),
    },
    {
      title: "Load balancer: healthy and unhealthy targets",
      description: "App instances passing and failing the /health check; fewer healthy than appMinSize pages.",
      unit: "short",
      metrics: [tg("HealthyHostCount", "Minimum", "healthy"), tg("UnHealthyHostCount", "Maximum", "unhealthy")],
    },
    {
      title: "Database: CPU",
      description: "RDS CPU utilisation of the database instance; above 80 % for 15 minutes pages.",
      unit: "percent",
      metrics: [db("CPUUtilization", "Average", "CPU")],
    },
    {
      title: "Database: connections",
      description: "Open connections to the database (each app instance pools up to 10).",
      unit: "short",
      metrics: [db("DatabaseConnections", "Maximum", "connections")],
    },
    {
      title: "Database: free storage",
      description: "Free storage of the database volume; storage autoscaling grows it up to 5 × dbStorageGiB.",
      unit: "bytes",
      metrics: [db("FreeStorageSpace", "Minimum", "free")],
    },
  ];
  return panels.map(({ metrics, ...p }) => ({
    ...p,
    datasource: "cloudwatch",
    region,
    queries: metrics.map((m, i) => ({ ...m, refId: `F${i}`, period: "60" })),
  }));
}
