/**
 * Names that cross layers — service ↔ alert rules ↔ dashboards ↔ Pulumi components ↔ policy pack ↔ tests —
 * defined once. Anything two layers must agree on is imported from here, never written out again.
 */
export { DEFAULT_PORTS, HEALTH_PATH, METRIC_NAMES, UNMATCHED_ROUTE } from "../service/src/contract";

/** Fixed ports of the monitoring components (the app's two ports are stack config, defaulting to DEFAULT_PORTS). */
export const MONITORING_PORTS = {
  nodeExporter: 9100,
  prometheus: 9090,
  alertmanager: 9093,
  blackbox: 9115,
  /** Grafana on the monitoring host (its image's default). */
  grafana: 3000,
} as const;

/** The CloudWatch namespace of the CIS AWS Foundations §4 metric filters. */
export const CIS_NAMESPACE = "CISBenchmark";

/**
 * The CloudTrail metric filters of CIS AWS Foundations §4, by control id: the metric (and alarm) name each
 * one publishes in CIS_NAMESPACE. The patterns live with the SecurityBaseline (components/cis.ts).
 */
export const CIS_CONTROLS = {
  "4.1": "UnauthorizedAPICalls",
  "4.2": "ConsoleSigninWithoutMFA",
  "4.3": "RootAccountUsage",
  "4.4": "IAMPolicyChanges",
  "4.5": "CloudTrailConfigChanges",
  "4.6": "ConsoleAuthFailures",
  "4.7": "DisableOrDeleteCMK",
  "4.8": "S3BucketPolicyChanges",
  "4.9": "AWSConfigChanges",
  "4.10": "SecurityGroupChanges",
  "4.11": "NACLChanges",
  "4.12": "NetworkGatewayChanges",
  "4.13": "RouteTableChanges",
  "4.14": "VPCChanges",
  "4.15": "OrganizationsChanges",
} as const;
export type CisControlId = keyof typeof CIS_CONTROLS;
export const CIS_METRICS = Object.values(CIS_CONTROLS);

/** Value of the `Role` tag of each host kind: Prometheus discovers app hosts and skips itself by it. */
export const HOST_ROLES = { app: "app", monitoring: "monitoring" } as const;

/** Prometheus job name of the app's metrics target (alert rules and dashboards select on it). */
export const APP_JOB = "taskflow";

/**
 * Names of resources: `${project}-${stack}` prefixes everything AWS sees; a component's children are
 * `${componentName}-${role}` (Pulumi's convention for component children).
 */
export const stackPrefix = (project: string, stack: string): string => `${project}-${stack}`;
export const childName = (component: string, role: string): string => `${component}-${role}`;

/** Names AWS sees that another layer must know before deployment (Grafana graphs the rule; Alertmanager publishes). */
export const awsNames = {
  /** Pages (critical), CloudWatch alarms and GuardDuty findings: the topic on-call is subscribed to. */
  alertTopic: (prefix: string) => `${prefix}-alerts`,
  /** Tickets (warning): e-mail noise that must never hide a page. */
  ticketTopic: (prefix: string) => `${prefix}-tickets`,
  /** Alertmanager's Watchdog heartbeat: no human subscriber; its silence pages (a CloudWatch alarm). */
  heartbeatTopic: (prefix: string) => `${prefix}-heartbeat`,
  guardDutyFindingsRule: (prefix: string) => `${prefix}-guardduty-findings`,
};
