/**
 * Every stack config key of the project, declared once: its Pulumi type, its default (per environment where
 * they differ, taken from environments.ts), whether it is a secret, its description and its validator.
 * Pulumi.yaml's `config:` block and the README's config reference are generated from this table
 * (`npm run docs -- --write`); descriptions leave defaults, allowed values and environment rules to the
 * generator, which prints them from the table.
 */
import { APP_TIERS } from "./app-tiers";
import { DB_INSTANCE_FAMILIES, DB_INSTANCE_SIZES, FINDING_FREQUENCIES } from "./aws-catalogue";
import {
  amiId,
  check,
  cidr,
  cidrList,
  instanceType,
  integer,
  matches,
  minLength,
  oneOf,
  retention,
  type Check,
} from "./checks";
import { DEFAULT_PORTS } from "../../monitoring-config/contract";
import { ENVIRONMENTS, perEnvironment, type Environment } from "./environments";
import { DEFAULT_EXPECTED_SERIES, MAX_MONITORING_REPLICAS, MAX_ZONES } from "./limits";

/** The types Pulumi's project schema allows for a config key (`$defs.simpleConfigType`). */
export type PulumiConfigType = "string" | "integer" | "boolean" | "array";
/** The decoded value of a config type. */
export type ValueOf<T extends PulumiConfigType> = T extends "integer"
  ? number
  : T extends "boolean"
    ? boolean
    : T extends "array"
      ? string[]
      : string;

/** One stack config key, declared once. */
export interface ConfigKey<T extends PulumiConfigType = PulumiConfigType> {
  type: T;
  /** A default for every environment, or one per environment (then Pulumi.yaml declares none). */
  default?: ValueOf<T> | Record<Environment, ValueOf<T>>;
  /** Must be set in the stack (no default). */
  required?: boolean;
  /** Set with `pulumi config set --secret`; wrapped as a Pulumi secret. */
  secret?: boolean;
  /** Pulumi.yaml's description, word for word. */
  description: string;
  /** The problem with a decoded value (naming what is allowed), or null when it is fine. */
  check?: Check<ValueOf<T>>;
}

const key = <T extends PulumiConfigType>(spec: ConfigKey<T>): ConfigKey<T> => spec;

const port = integer(1, 65535);

/** Every stack config key of the project. Pulumi.yaml declares exactly these (generated, and checked by tests). */
export const CONFIG_SCHEMA = {
  environment: key({
    type: "string",
    required: true,
    description:
      "What the stack is: decides what it keeps, what it refuses and its per-environment defaults (components/config/environments.ts)",
    check: oneOf<string>(ENVIRONMENTS),
  }),
  vpcCidr: key({
    type: "string",
    default: "10.40.0.0/16",
    description: "IPv4 CIDR of the stack's VPC",
    check: cidr(16, 24),
  }),
  availabilityZones: key({
    type: "integer",
    default: 2,
    description: "Number of availability zones (one public subnet each)",
    check: integer(1, MAX_ZONES),
  }),
  adminCidrs: key({
    type: "array",
    required: true,
    description: "CIDRs allowed to reach SSH and the monitoring UIs",
    check: cidrList,
  }),
  appIngressCidrs: key({
    type: "array",
    default: ["0.0.0.0/0"],
    description: "CIDRs allowed to reach the app's public port",
    check: cidrList,
  }),
  appInstanceType: key({
    type: "string",
    default: "t4g.small",
    description: "EC2 type of the app host; Graviton (g) families build a linux/arm64 image",
    check: instanceType,
  }),
  appAmiId: key({
    type: "string",
    description:
      "Pin the app host's AMI (an Amazon Linux 2023 image of its architecture); unset: the newest at creation, never followed after. Changing it replaces the host; its data volume and address are kept",
    check: amiId,
  }),
  appPort: key({
    type: "integer",
    default: DEFAULT_PORTS.app,
    description: "The app's public port",
    check: port,
  }),
  appMetricsPort: key({
    type: "integer",
    default: DEFAULT_PORTS.metrics,
    description: "The app's metrics port (reachable only from the monitoring host; must differ from appPort)",
    check: port,
  }),
  appDataVolumeGiB: key({
    type: "integer",
    default: 10,
    description: "Size of the encrypted EBS volume holding the SQLite database",
    check: integer(1, 1024),
  }),
  apiToken: key({
    type: "string",
    secret: true,
    required: true,
    description: "Bearer token of the TaskFlow API (set with --secret)",
    check: minLength(32),
  }),
  ecrKeepImages: key({
    type: "integer",
    default: 10,
    description: "Images kept in the ECR repository",
    check: integer(1, 1000),
  }),
  appLogRetentionDays: key({
    type: "integer",
    default: perEnvironment("appLogRetentionDays"),
    description: "Retention of the app's CloudWatch log group",
    check: retention,
  }),
  appFaultInjection: key({
    type: "boolean",
    default: false,
    description: "Enable the fault-injection drill routes",
  }),
  appTier: key({
    type: "string",
    default: perEnvironment("appTier"),
    description:
      "host: one EC2 host with SQLite, set up over SSH; fleet: an Auto Scaling group in private subnets behind a load balancer, with RDS PostgreSQL",
    check: oneOf<string>(APP_TIERS),
  }),
  appMinSize: key({
    type: "integer",
    default: perEnvironment("appMinSize"),
    description: "Fleet: fewest app instances, spread across zones",
    check: integer(1, 20),
  }),
  appMaxSize: key({
    type: "integer",
    default: perEnvironment("appMaxSize"),
    description:
      "Fleet: most app instances (CPU target tracking scales between the two); their database pools must fit under 80 % of the database's max_connections",
    check: integer(1, 50),
  }),
  appDomain: key({
    type: "string",
    description:
      "Fleet: the app's DNS name (e.g. tasks.example.com): HTTPS with an ACM certificate validated in appHostedZoneId, or with appCertificateArn; HTTP redirects; unset: plain HTTP on the load balancer's name (dev only)",
    check: matches(
      /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      "a lower-case DNS name",
      "expected a lower-case DNS name such as tasks.example.com",
    ),
  }),
  appHostedZoneId: key({
    type: "string",
    description:
      "Fleet: the Route 53 hosted zone holding appDomain: its certificate is validated and its alias record made there (required with appDomain unless appCertificateArn is set)",
    check: matches(
      /^Z[A-Z0-9]{4,31}$/,
      "a Route 53 hosted zone id (Z…)",
      "expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ",
    ),
  }),
  appCertificateArn: key({
    type: "string",
    description:
      "Fleet: an ACM certificate (issued or imported) in the stack's region covering appDomain, used by the HTTPS listener instead of one validated in appHostedZoneId; without appHostedZoneId, point appDomain at the load balancer's dnsName yourself",
    check: matches(
      /^arn:aws(-cn|-us-gov)?:acm:[a-z]{2}(-[a-z]+)+-\d:\d{12}:certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      "an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<uuid>)",
      "expected an ACM certificate ARN such as arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012",
    ),
  }),
  appWaf: key({
    type: "boolean",
    default: perEnvironment("appWaf"),
    description:
      "Fleet: a WAFv2 web ACL on the load balancer (AWS managed common, known-bad-inputs and IP-reputation rules and a per-IP rate limit)",
  }),
  wafRateLimit: key({
    type: "integer",
    default: 2000,
    description: "Fleet with WAF: requests one client IP may make in any 5 minutes before WAF blocks it",
    check: integer(10, 2_000_000_000),
  }),
  dbInstanceClass: key({
    type: "string",
    default: perEnvironment("dbInstanceClass"),
    description: "Fleet: RDS PostgreSQL instance class; its max_connections is set to about 100 per GiB",
    check: check<string>(
      `db.<family>.<size>: ${DB_INSTANCE_FAMILIES.join(", ")}; ${DB_INSTANCE_SIZES.join(", ")}`,
      (v) => {
        const [db, family, size, ...rest] = v.split(".");
        return db === "db" && DB_INSTANCE_FAMILIES.includes(family) && DB_INSTANCE_SIZES.includes(size) && !rest.length
          ? null
          : "expected an RDS class such as db.t4g.micro, db.t4g.medium or db.m7g.large";
      },
    ),
  }),
  dbStorageGiB: key({
    type: "integer",
    default: 20,
    description: "Fleet: allocated gp3 storage of the database (GiB); storage autoscaling may grow it to 5 times this",
    check: integer(20, 16384),
  }),
  dbBackupRetentionDays: key({
    type: "integer",
    default: perEnvironment("dbBackupRetentionDays"),
    description: "Fleet: days of automated database backups",
    check: integer(1, 35),
  }),
  monitoringInstanceType: key({
    type: "string",
    default: "t4g.medium",
    description: "EC2 type of the monitoring host",
    check: instanceType,
  }),
  monitoringAmiId: key({
    type: "string",
    description:
      "Pin the monitoring host's AMI (as appAmiId); unset: the newest Amazon Linux 2023 at creation, never followed after",
    check: amiId,
  }),
  monitoringDataVolumeGiB: key({
    type: "integer",
    default: 20,
    description: "Size of the encrypted EBS volume for Prometheus, Alertmanager and Grafana data",
    check: integer(8, 16384),
  }),
  prometheusRetention: key({
    type: "string",
    default: "15d",
    description: "Prometheus TSDB retention",
    check: matches(
      /^\d+(h|d|w|y)$/,
      "a Prometheus duration (h, d, w, y)",
      "expected a Prometheus duration such as 15d, 4w or 1y",
    ),
  }),
  monitoringReplicas: key({
    type: "integer",
    default: perEnvironment("monitoringReplicas"),
    description:
      "Monitoring hosts: 1, or 2 for an HA pair in two zones with clustered Alertmanagers (2 needs availabilityZones of at least 2)",
    check: integer(1, MAX_MONITORING_REPLICAS),
  }),
  managedPrometheus: key({
    type: "boolean",
    default: perEnvironment("managedPrometheus"),
    description:
      "Remote-write every series to an Amazon Managed Service for Prometheus workspace, which Grafana also queries",
  }),
  monitoringExpectedSeries: key({
    type: "integer",
    default: DEFAULT_EXPECTED_SERIES,
    description:
      "Active series the remote-write queue is sized for (shards and batch sizes; see README, Long-term storage)",
    check: integer(100, 10_000_000),
  }),
  grafanaAdminPassword: key({
    type: "string",
    secret: true,
    description: "Grafana admin password (generated when unset)",
    check: minLength(12),
  }),
  slackWebhookUrl: key({
    type: "string",
    secret: true,
    description: "Slack incoming-webhook URL for pages and tickets (optional)",
    check: matches(
      /^https:\/\/hooks\.slack\.com\//,
      "https://hooks.slack.com/…",
      "expected an https://hooks.slack.com/… URL",
    ),
  }),
  alertEmail: key({
    type: "string",
    description: "E-mail address subscribed to the alert topic (optional)",
    check: matches(
      /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i,
      "an e-mail address",
      "expected an e-mail address such as oncall@example.com",
    ),
  }),
  trailLogRetentionDays: key({
    type: "integer",
    default: perEnvironment("trailLogRetentionDays"),
    description: "Retention of the CloudTrail log group",
    check: retention,
  }),
  flowLogRetentionDays: key({
    type: "integer",
    default: perEnvironment("flowLogRetentionDays"),
    description: "Retention of the VPC Flow Logs log group",
    check: retention,
  }),
  trailBucketExpireDays: key({
    type: "integer",
    default: perEnvironment("trailBucketExpireDays"),
    description: "Days before trail objects expire",
    check: integer(91, 3653),
  }),
  guardDutyExistingDetectorId: key({
    type: "string",
    description: "Adopt this GuardDuty detector instead of creating one (one detector per account and region)",
    check: matches(
      /^[a-f0-9]{32}$/,
      "a 32-character hex detector id",
      "expected a 32-character hex detector id (aws guardduty list-detectors)",
    ),
  }),
  guardDutyFindingFrequency: key({
    type: "string",
    default: perEnvironment("guardDutyFindingFrequency"),
    description: "How often GuardDuty publishes updated findings",
    check: oneOf<string>(FINDING_FREQUENCIES),
  }),
  guardDutyMinSeverity: key({
    // An integer: Pulumi's project schema has no fractional type, and GuardDuty's levels start at whole numbers
    // (Low 1–3.9, Medium 4–6.9, High 7–8.9).
    type: "integer",
    default: 4,
    description: "Findings at or above this severity (4 = Medium, 7 = High) are sent to the alert topic",
    check: check<number>("a whole number from 1 to 8", (v) =>
      Number.isInteger(v) && v >= 1 && v <= 8
        ? null
        : "expected a whole number from 1 to 8 (GuardDuty severities run 1 to 8.9: 4 = Medium, 7 = High)",
    ),
  }),
  manageAccountSettings: key({
    type: "boolean",
    default: perEnvironment("manageAccountSettings"),
    description:
      "Own the account-level EBS default encryption and S3 public access block, kept when the stack is destroyed (one stack per account should)",
  }),
  forceDestroy: key({
    type: "boolean",
    default: perEnvironment("forceDestroy"),
    description: "Allow destroying non-empty buckets",
  }),
} satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof CONFIG_SCHEMA;
/** Every key Pulumi.yaml declares. */
export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKeyName[];
/** The keys set with `pulumi config set --secret`. */
export const SECRET_KEYS = CONFIG_KEYS.filter((k) => (CONFIG_SCHEMA[k] as ConfigKey).secret);
