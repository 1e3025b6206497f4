/**
 * The Security dashboard: the app's refused requests (authentication failures, 4xx, rate limiting) and, on AWS,
 * the CloudTrail CIS alarms and the GuardDuty findings routed to the alert topic, from CloudWatch.
 */
import { CIS_METRICS } from "../contract";
import { BY_INSTANCE as job, q, RATE_INTERVAL as r, type CloudWatchPanel, type DashboardSpec } from "../grafana/render";
import { DASHBOARD_UIDS } from "../grafana/uids";
import { mixinConfig, SELECTORS } from "../mixin";
import type { MonitoringSettings } from "../types";
import { rateBy } from "./panels";

/** The CIS AWS Foundations §4 alarms and the GuardDuty findings rule's invocations, per 5 minutes. */
function awsPanels(cw: NonNullable<MonitoringSettings["grafana"]["cloudwatch"]>): CloudWatchPanel[] {
  const panel = { datasource: "cloudwatch" as const, region: cw.region, unit: "short" };
  return [
    {
      ...panel,
      title: "CloudTrail CIS alarms (events per 5 min)",
      description:
        "CIS AWS Foundations §4 metric filters on the CloudTrail log group; any non-zero value raised an alarm.",
      queries: CIS_METRICS.map((metric, i) => ({
        refId: `C${i}`,
        namespace: cw.cisNamespace,
        metric,
        stat: "Sum",
        period: "300",
        label: metric,
      })),
    },
    {
      ...panel,
      title: "GuardDuty findings routed to alerts",
      description:
        "Invocations of the EventBridge rule that forwards GuardDuty findings at or above the configured severity to the alert topic.",
      queries: [
        {
          refId: "G",
          namespace: "AWS/Events",
          metric: "TriggeredRules",
          dimensions: { RuleName: cw.guardDutyRuleName },
          stat: "Sum",
          period: "300",
          label: "findings",
        },
      ],
    },
  ];
}

/** Refused requests by reason, route and client; the AWS security signals when the stack has them. */
export function securityDashboard(s: MonitoringSettings): DashboardSpec {
  const { metrics: M } = mixinConfig(s);
  const cw = s.grafana.cloudwatch;
  return {
    uid: DASHBOARD_UIDS.security,
    title: "TaskFlow — Security",
    tags: ["security"],
    variablesFrom: M.httpRequests,
    panels: [
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
            `sum by (route, status_code) (rate(${M.httpRequests}{${job},${SELECTORS.clientError}}[${r}]))`,
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
      ...(cw ? awsPanels(cw) : []),
    ],
  };
}
