/**
 * Stack configuration → typed, validated Settings. Every key is declared once, in `CONFIG_SCHEMA` (its Pulumi
 * type, default — per environment where they differ —, secret flag, description and validator); Pulumi.yaml
 * must say the same (tests/infra/config-schema.test.ts), and `parseSettings` reads through the table. A bad
 * value stops the program before any resource is declared, with a message naming the key, the value and what
 * is allowed. `parseSettings` is pure (tests call it directly); `loadSettings` feeds it from the Pulumi config.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_PORTS } from "../monitoring-config/contract";

export type Arch = "arm64" | "x86_64";
export type Environment = "dev" | "prod";
export const ENVIRONMENTS: readonly Environment[] = ["dev", "prod"];
export const FINDING_FREQUENCIES = ["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] as const;
export type FindingFrequency = (typeof FINDING_FREQUENCIES)[number];
/** How the app runs: one host (SQLite, SSH setup) or a fleet (ASG + load balancer + RDS PostgreSQL). */
export const APP_TIERS = ["host", "fleet"] as const;
export type AppTier = (typeof APP_TIERS)[number];

/**
 * What an environment keeps, decided by `environment` alone (never by the stack's name): handed to every
 * component as one policy instead of a flag per component.
 */
export interface Protection {
  /**
   * Data-bearing resources (host data volumes, the trail bucket, its key and log group, the GuardDuty detector)
   * are `protect`ed and retained when the stack is destroyed; the ECR repository is never force-deleted.
   */
  keepData: boolean;
}

export interface Settings {
  project: string;
  stack: string;
  environment: Environment;
  region: string;
  protection: Protection;
  /** Project, Stack, ManagedBy: on every resource that takes tags (and used for EC2 discovery). */
  tags: Record<string, string>;
  network: { vpcCidr: string; azCount: number };
  access: { adminCidrs: string[]; appIngressCidrs: string[] };
  app: {
    instanceType: string;
    arch: Arch;
    amiId?: string;
    port: number;
    metricsPort: number;
    dataVolumeGiB: number;
    apiToken: pulumi.Output<string>;
    ecrKeepImages: number;
    logRetentionDays: number;
    faultInjection: boolean;
    tier: AppTier;
  };
  /** The fleet tier (`app.tier` "fleet"): Auto Scaling group, load balancer, WAF. */
  fleet: {
    minSize: number;
    maxSize: number;
    /** HTTPS on this name, with an ACM certificate validated in the hosted zone; absent: plain HTTP. */
    domain?: { name: string; hostedZoneId: string };
    waf: { enabled: boolean; rateLimit: number };
  };
  /** The fleet's RDS PostgreSQL; Multi-AZ and deletion protection follow `protection.keepData`. */
  database: { instanceClass: string; storageGiB: number; backupRetentionDays: number };
  monitoring: {
    instanceType: string;
    arch: Arch;
    amiId?: string;
    dataVolumeGiB: number;
    prometheusRetention: string;
    /** 1, or 2 for an HA pair (MonitoringHost). */
    replicas: number;
    managedPrometheus: boolean;
    expectedSeries: number;
    grafanaAdminPassword?: pulumi.Output<string>;
    slackWebhookUrl?: pulumi.Output<string>;
    alertEmail?: string;
  };
  security: {
    trailLogRetentionDays: number;
    flowLogRetentionDays: number;
    trailBucketExpireDays: number;
    guardDutyExistingDetectorId?: string;
    guardDutyFindingFrequency: FindingFrequency;
    guardDutyMinSeverity: number;
    manageAccountSettings: boolean;
    forceDestroy: boolean;
  };
}

export class ConfigError extends Error {
  constructor(key: string, value: unknown, allowed: string) {
    const shown = typeof value === "string" ? `"${value}"` : JSON.stringify(value);
    super(`config ${key}=${shown} is invalid: ${allowed}`);
    this.name = "ConfigError";
  }
}

/** CloudWatch Logs accepts only these retention values (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/** Instance families we build and size for; Graviton families (with a "g") run linux/arm64. */
export const INSTANCE_FAMILIES = [
  "t3",
  "t3a",
  "t4g",
  "m6i",
  "m7i",
  "m6g",
  "m7g",
  "c6i",
  "c7i",
  "c6g",
  "c7g",
  "r6i",
  "r6g",
  "r7g",
];
const INSTANCE_SIZES = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge"];

/** Memory (GiB) of the instance classes config.ts accepts, by size. */
const CLASS_MEMORY_GIB: Record<string, number> = {
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  "2xlarge": 32,
  "4xlarge": 64,
};

/**
 * The `max_connections` the parameter group sets for an instance class: about 100 per GiB (RDS's own default,
 * LEAST(DBInstanceClassMemory/9531392, 5000), gives a little more but depends on memory RDS reserves), so the
 * connection alarm has an exact ceiling and config.ts can check the app's pools fit under it.
 */
export function maxConnectionsOf(instanceClass: string): number {
  const size = instanceClass.split(".")[2] ?? "";
  const family = instanceClass.split(".")[1] ?? "";
  // Memory-optimised (r) classes have twice the memory of the same size.
  const gib = (CLASS_MEMORY_GIB[size] ?? 1) * (family.startsWith("r") ? 2 : 1);
  return Math.min(5000, gib * 100);
}

/** The pool each fleet instance opens to the database (the service's DB_POOL_MAX). */
export const DB_POOL_PER_INSTANCE = 10;

/** The types Pulumi's project schema allows for a config key (`$defs.simpleConfigType`). */
export type PulumiConfigType = "string" | "integer" | "boolean" | "array";
type ValueOf<T extends PulumiConfigType> = T extends "integer"
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
  check?: (value: ValueOf<T>) => string | null;
}

const key = <T extends PulumiConfigType>(spec: ConfigKey<T>): ConfigKey<T> => spec;

const integer = (min: number, max: number) => (v: number) =>
  Number.isInteger(v) && v >= min && v <= max ? null : `expected an integer from ${min} to ${max}`;
const oneOf =
  <T>(allowed: readonly T[], what: string) =>
  (v: T) =>
    allowed.includes(v) ? null : what;
const retention = oneOf<number>(
  LOG_RETENTION_DAYS,
  `CloudWatch Logs accepts only ${LOG_RETENTION_DAYS.join(", ")} days`,
);
const minLength = (n: number) => (v: string) => (v.length >= n ? null : `expected at least ${n} characters`);

function cidrProblem(v: unknown, minPrefix = 0, maxPrefix = 32): string | null {
  const m = typeof v === "string" ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v) : null;
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || prefix < minPrefix || prefix > maxPrefix) {
    return `expected an IPv4 CIDR such as 10.0.0.0/16 with a prefix from /${minPrefix} to /${maxPrefix}`;
  }
  const addr = octets.reduce((a, o) => a * 256 + o, 0);
  if (prefix < 32 && addr % 2 ** (32 - prefix) !== 0) return "host bits are set: use the network address of the block";
  return null;
}
const amiId = (v: string) =>
  /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(v) ? null : "expected an AMI id such as ami-0123456789abcdef0";
const instanceType = (v: string) => {
  const [family, size] = v.split(".");
  return INSTANCE_FAMILIES.includes(family) && INSTANCE_SIZES.includes(size ?? "")
    ? null
    : `expected <family>.<size> with family one of ${INSTANCE_FAMILIES.join(", ")} and size one of ${INSTANCE_SIZES.join(", ")}`;
};

/** Every stack config key of the project. Pulumi.yaml declares exactly these (checked by a test). */
export const CONFIG_SCHEMA = {
  environment: key({
    type: "string",
    required: true,
    description:
      "dev or prod: decides what the stack keeps (prod protects and retains data and audit logs) and the per-environment defaults",
    check: oneOf<string>(ENVIRONMENTS, `allowed values are ${ENVIRONMENTS.join(", ")}`),
  }),
  vpcCidr: key({
    type: "string",
    default: "10.40.0.0/16",
    description: "IPv4 CIDR of the stack's VPC (/16 to /24)",
    check: (v) => cidrProblem(v, 16, 24),
  }),
  availabilityZones: key({
    type: "integer",
    default: 2,
    description: "Number of availability zones (one public subnet each), 1 to 4",
    check: integer(1, 4),
  }),
  adminCidrs: key({
    type: "array",
    required: true,
    description: "CIDRs allowed to reach SSH and the monitoring UIs (required; 0.0.0.0/0 is refused in prod)",
  }),
  appIngressCidrs: key({
    type: "array",
    default: ["0.0.0.0/0"],
    description: "CIDRs allowed to reach the app's public port",
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
    check: integer(1, 65535),
  }),
  appMetricsPort: key({
    type: "integer",
    default: DEFAULT_PORTS.metrics,
    description: "The app's metrics port (reachable only from the monitoring host)",
    check: integer(1, 65535),
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
    description: "Bearer token of the TaskFlow API (required, at least 32 characters; set with --secret)",
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
    default: { dev: 14, prod: 90 },
    description: "Retention of the app's CloudWatch log group (default dev 14, prod 90)",
    check: retention,
  }),
  appFaultInjection: key({
    type: "boolean",
    default: false,
    description: "Enable the fault-injection drill routes (refused in prod)",
  }),
  appTier: key({
    type: "string",
    default: { dev: "host", prod: "fleet" },
    description:
      "host: one EC2 host with SQLite, set up over SSH; fleet: an Auto Scaling group in private subnets behind a load balancer, with RDS PostgreSQL (default dev host, prod fleet; prod refuses host)",
    check: oneOf<string>(APP_TIERS, `allowed values are ${APP_TIERS.join(", ")}`),
  }),
  appMinSize: key({
    type: "integer",
    default: { dev: 1, prod: 2 },
    description: "Fleet: fewest app instances (default dev 1, prod 2; at least 2 in prod, spread across zones)",
    check: integer(1, 20),
  }),
  appMaxSize: key({
    type: "integer",
    default: { dev: 2, prod: 6 },
    description: "Fleet: most app instances (CPU target tracking scales between the two; default dev 2, prod 6)",
    check: integer(1, 50),
  }),
  appDomain: key({
    type: "string",
    description:
      "Fleet: the app's DNS name (e.g. tasks.example.com): HTTPS with an ACM certificate validated in appHostedZoneId, HTTP redirects; unset: plain HTTP on the load balancer's name",
    check: (v) =>
      /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(v)
        ? null
        : "expected a lower-case DNS name such as tasks.example.com",
  }),
  appHostedZoneId: key({
    type: "string",
    description: "Fleet: the Route 53 hosted zone holding appDomain (required with appDomain)",
    check: (v) =>
      /^Z[A-Z0-9]{4,31}$/.test(v) ? null : "expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ",
  }),
  appWaf: key({
    type: "boolean",
    default: { dev: false, prod: true },
    description:
      "Fleet: a WAFv2 web ACL on the load balancer (AWS managed common, known-bad-inputs and IP-reputation rules and a per-IP rate limit; default dev false, prod true; refused off in prod)",
  }),
  wafRateLimit: key({
    type: "integer",
    default: 2000,
    description: "Fleet with WAF: requests one client IP may make in any 5 minutes before WAF blocks it",
    check: integer(10, 2_000_000_000),
  }),
  dbInstanceClass: key({
    type: "string",
    default: { dev: "db.t4g.micro", prod: "db.t4g.medium" },
    description: "Fleet: RDS PostgreSQL instance class (default dev db.t4g.micro, prod db.t4g.medium)",
    check: (v) =>
      /^db\.(t4g|t3|m6g|m7g|m6i|m7i|r6g|r7g|r6i)\.(micro|small|medium|large|xlarge|2xlarge|4xlarge)$/.test(v)
        ? null
        : "expected an RDS class such as db.t4g.micro, db.t4g.medium or db.m7g.large",
  }),
  dbStorageGiB: key({
    type: "integer",
    default: 20,
    description: "Fleet: allocated gp3 storage of the database (GiB); storage autoscaling may grow it to 5 times this",
    check: integer(20, 16384),
  }),
  dbBackupRetentionDays: key({
    type: "integer",
    default: { dev: 1, prod: 14 },
    description: "Fleet: days of automated database backups (default dev 1, prod 14; at least 14 in prod)",
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
    description: "Prometheus TSDB retention (a Prometheus duration)",
    check: (v) => (/^\d+(h|d|w|y)$/.test(v) ? null : "expected a Prometheus duration such as 15d, 4w or 1y"),
  }),
  monitoringReplicas: key({
    type: "integer",
    default: { dev: 1, prod: 2 },
    description:
      "Monitoring hosts: 1, or 2 for an HA pair in two zones with clustered Alertmanagers (default dev 1, prod 2; 2 needs availabilityZones of at least 2)",
    check: integer(1, 2),
  }),
  managedPrometheus: key({
    type: "boolean",
    default: { dev: false, prod: true },
    description:
      "Remote-write every series to an Amazon Managed Service for Prometheus workspace, which Grafana also queries (default dev false, prod true)",
  }),
  monitoringExpectedSeries: key({
    type: "integer",
    default: 10000,
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
    check: (v) => (/^https:\/\/hooks\.slack\.com\//.test(v) ? null : "expected an https://hooks.slack.com/… URL"),
  }),
  alertEmail: key({
    type: "string",
    description: "E-mail address subscribed to the alert topic (optional)",
    check: (v) =>
      /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(v) ? null : "expected an e-mail address such as oncall@example.com",
  }),
  trailLogRetentionDays: key({
    type: "integer",
    default: { dev: 14, prod: 365 },
    description: "Retention of the CloudTrail log group (default dev 14, prod 365)",
    check: retention,
  }),
  flowLogRetentionDays: key({
    type: "integer",
    default: { dev: 7, prod: 90 },
    description: "Retention of the VPC Flow Logs log group (default dev 7, prod 90)",
    check: retention,
  }),
  trailBucketExpireDays: key({
    type: "integer",
    default: { dev: 120, prod: 2555 },
    description: "Days before trail objects expire (default dev 120, prod 2555; at least 365 in prod)",
    check: integer(91, 3653),
  }),
  guardDutyExistingDetectorId: key({
    type: "string",
    description: "Adopt this GuardDuty detector instead of creating one (one detector per account and region)",
    check: (v) =>
      /^[a-f0-9]{32}$/.test(v) ? null : "expected a 32-character hex detector id (aws guardduty list-detectors)",
  }),
  guardDutyFindingFrequency: key({
    type: "string",
    default: { dev: "SIX_HOURS", prod: "FIFTEEN_MINUTES" },
    description: "FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS (default dev SIX_HOURS, prod FIFTEEN_MINUTES)",
    check: oneOf<string>(FINDING_FREQUENCIES, `allowed values are ${FINDING_FREQUENCIES.join(", ")}`),
  }),
  guardDutyMinSeverity: key({
    // An integer: Pulumi's project schema has no fractional type, and GuardDuty's levels start at whole numbers
    // (Low 1–3.9, Medium 4–6.9, High 7–8.9).
    type: "integer",
    default: 4,
    description: "Findings at or above this severity (1 to 8: 4 = Medium, 7 = High) are sent to the alert topic",
    check: (v) =>
      Number.isInteger(v) && v >= 1 && v <= 8
        ? null
        : "expected a whole number from 1 to 8 (GuardDuty severities run 1 to 8.9: 4 = Medium, 7 = High)",
  }),
  manageAccountSettings: key({
    type: "boolean",
    default: { dev: false, prod: true },
    description:
      "Own the account-level EBS default encryption and S3 public access block, kept when the stack is destroyed (default dev false, prod true; one stack per account should)",
  }),
  forceDestroy: key({
    type: "boolean",
    default: { dev: true, prod: false },
    description: "Allow destroying non-empty buckets (default dev true, prod false; refused in prod)",
  }),
} satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof CONFIG_SCHEMA;
/** Every key Pulumi.yaml declares. */
export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMA) as ConfigKeyName[];
/** The keys set with `pulumi config set --secret`. */
export const SECRET_KEYS = CONFIG_KEYS.filter((k) => (CONFIG_SCHEMA[k] as ConfigKey).secret);

/** Raw config values as Pulumi stores them: strings (arrays, numbers and booleans JSON-encoded). */
export type RawConfig = Record<string, string | undefined>;

export function archOf(instanceType: string): Arch {
  const family = instanceType.split(".")[0];
  return /^[a-z]+\d+[a-z]*g[a-z]*$/.test(family) ? "arm64" : "x86_64";
}

/** Decode one raw value to its declared type (Pulumi hands every value over as a string). */
function decode(name: string, spec: ConfigKey, raw: string): unknown {
  if (spec.type === "string") return raw;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    v = raw;
  }
  const ok =
    spec.type === "integer"
      ? typeof v === "number"
      : spec.type === "boolean"
        ? typeof v === "boolean"
        : Array.isArray(v) && v.every((x) => typeof x === "string");
  if (!ok) {
    const expected = { integer: "a number", boolean: "true or false", array: "a list of strings" }[spec.type];
    throw new ConfigError(name, raw, `expected ${expected}`);
  }
  return v;
}

/** Validate and type the raw stack config. Throws ConfigError on the first bad key. */
export function parseSettings(raw: RawConfig, ctx: { project: string; stack: string; region: string }): Settings {
  const envRaw = raw.environment;
  if (!envRaw || !ENVIRONMENTS.includes(envRaw as Environment)) {
    throw new ConfigError(
      "environment",
      envRaw || undefined,
      `${envRaw ? "" : "required: "}allowed values are ${ENVIRONMENTS.join(", ")} (pulumi config set environment dev)`,
    );
  }
  const environment = envRaw as Environment;
  const prod = environment === "prod";

  /** The value of a key: decoded, defaulted for this environment, validated. */
  function get<K extends ConfigKeyName>(name: K): ValueOf<(typeof CONFIG_SCHEMA)[K]["type"]> | undefined {
    const spec = CONFIG_SCHEMA[name] as ConfigKey;
    const text = raw[name];
    let v: unknown;
    if (text === undefined || text === "") {
      const d = spec.default;
      v =
        d !== null && typeof d === "object" && !Array.isArray(d) ? (d as Record<Environment, unknown>)[environment] : d;
      if (v === undefined && spec.required) {
        throw new ConfigError(
          name,
          undefined,
          spec.secret
            ? `required secret: set it with \`pulumi config set --secret ${name} <value>\``
            : spec.type === "array"
              ? 'required: a list of IPv4 CIDRs, e.g. ["203.0.113.0/24"]'
              : "required",
        );
      }
      if (v === undefined) return undefined;
    } else {
      v = decode(name, spec, text);
    }
    const problem = spec.check?.(v as never);
    if (problem) throw new ConfigError(name, spec.secret ? "[secret]" : (text ?? v), problem);
    return v as ValueOf<(typeof CONFIG_SCHEMA)[K]["type"]>;
  }
  const must = <K extends ConfigKeyName>(name: K) => get(name)!;
  const secret = (name: "apiToken" | "grafanaAdminPassword" | "slackWebhookUrl") => {
    const v = get(name);
    return v === undefined ? undefined : pulumi.secret(v);
  };
  const cidrs = (name: "adminCidrs" | "appIngressCidrs"): string[] => {
    const list = must(name);
    if (list.length === 0) throw new ConfigError(name, raw[name], "expected a non-empty list of IPv4 CIDRs");
    list.forEach((c, i) => {
      const problem = cidrProblem(c);
      if (problem) throw new ConfigError(`${name}[${i}]`, c, problem);
    });
    return list;
  };
  /** A rule that holds only in prod, stated once. */
  const prodRefuses = (name: ConfigKeyName, refused: boolean, value: unknown, why: string) => {
    if (prod && refused) throw new ConfigError(name, value, why);
  };

  const vpcCidr = must("vpcCidr");
  const adminCidrs = cidrs("adminCidrs");
  prodRefuses(
    "adminCidrs",
    adminCidrs.includes("0.0.0.0/0"),
    raw.adminCidrs,
    "0.0.0.0/0 is not allowed in prod: list the operators' networks",
  );
  const appIngressCidrs = cidrs("appIngressCidrs");
  const appPort = must("appPort");
  const metricsPort = must("appMetricsPort");
  if (metricsPort === appPort) throw new ConfigError("appMetricsPort", metricsPort, "must differ from appPort");
  const appInstanceType = must("appInstanceType");
  const monitoringInstanceType = must("monitoringInstanceType");
  const faultInjection = must("appFaultInjection");
  prodRefuses("appFaultInjection", faultInjection, true, "fault injection is not allowed in prod");
  const azCount = must("availabilityZones");
  const replicas = must("monitoringReplicas");
  if (replicas > azCount) {
    throw new ConfigError(
      "monitoringReplicas",
      replicas,
      `each replica needs its own zone: expected at most availabilityZones (${azCount}), or raise availabilityZones`,
    );
  }
  const tier = must("appTier") as AppTier;
  prodRefuses("appTier", tier === "host", tier, "prod runs the fleet: one host is a single point of failure");
  const minSize = must("appMinSize");
  const maxSize = must("appMaxSize");
  const waf = must("appWaf");
  const backupDays = must("dbBackupRetentionDays");
  const domain = get("appDomain");
  const hostedZoneId = get("appHostedZoneId");
  if (tier === "fleet") {
    prodRefuses("appMinSize", minSize < 2, minSize, "prod runs at least 2 app instances, in different zones");
    if (maxSize < minSize) throw new ConfigError("appMaxSize", maxSize, `must be at least appMinSize (${minSize})`);
    if (azCount < 2) {
      throw new ConfigError(
        "availabilityZones",
        azCount,
        "the fleet tier needs at least 2 (RDS requires subnets in two zones; instances spread across them)",
      );
    }
    if (Number(vpcCidr.split("/")[1]) > 21) {
      throw new ConfigError(
        "vpcCidr",
        vpcCidr,
        "the fleet tier needs a /21 or larger VPC: 4 public and 4 private /24 subnets",
      );
    }
    prodRefuses("appWaf", !waf, false, "prod puts a WAF in front of the load balancer");
    const dbClass = must("dbInstanceClass");
    const ceiling = Math.floor(maxConnectionsOf(dbClass) * 0.8);
    if (maxSize * DB_POOL_PER_INSTANCE > ceiling) {
      throw new ConfigError(
        "appMaxSize",
        maxSize,
        `${maxSize} instances × ${DB_POOL_PER_INSTANCE} connections exceed 80 % of ${dbClass}'s max_connections (${ceiling}): lower it or pick a larger dbInstanceClass`,
      );
    }
    prodRefuses("dbBackupRetentionDays", backupDays < 14, backupDays, "prod keeps at least 14 days of backups");
    if ((domain === undefined) !== (hostedZoneId === undefined)) {
      const missing = domain === undefined ? "appDomain" : "appHostedZoneId";
      throw new ConfigError(
        missing,
        undefined,
        "appDomain and appHostedZoneId go together: set both for HTTPS, or neither for plain HTTP",
      );
    }
  }
  const expireDays = must("trailBucketExpireDays");
  prodRefuses("trailBucketExpireDays", expireDays < 365, expireDays, "prod keeps audit logs at least 365 days");
  const forceDestroy = must("forceDestroy");
  prodRefuses("forceDestroy", forceDestroy, true, "prod never force-destroys buckets holding audit data");

  return {
    project: ctx.project,
    stack: ctx.stack,
    environment,
    region: ctx.region,
    protection: { keepData: prod },
    tags: { Project: ctx.project, Stack: ctx.stack, ManagedBy: "pulumi" },
    network: { vpcCidr, azCount },
    access: { adminCidrs, appIngressCidrs },
    app: {
      instanceType: appInstanceType,
      arch: archOf(appInstanceType),
      amiId: get("appAmiId"),
      port: appPort,
      metricsPort,
      dataVolumeGiB: must("appDataVolumeGiB"),
      apiToken: secret("apiToken")!,
      ecrKeepImages: must("ecrKeepImages"),
      logRetentionDays: must("appLogRetentionDays"),
      faultInjection,
      tier,
    },
    fleet: {
      minSize,
      maxSize,
      domain: domain && hostedZoneId ? { name: domain, hostedZoneId } : undefined,
      waf: { enabled: waf, rateLimit: must("wafRateLimit") },
    },
    database: {
      instanceClass: must("dbInstanceClass"),
      storageGiB: must("dbStorageGiB"),
      backupRetentionDays: backupDays,
    },
    monitoring: {
      instanceType: monitoringInstanceType,
      arch: archOf(monitoringInstanceType),
      amiId: get("monitoringAmiId"),
      dataVolumeGiB: must("monitoringDataVolumeGiB"),
      prometheusRetention: must("prometheusRetention"),
      replicas,
      managedPrometheus: must("managedPrometheus"),
      expectedSeries: must("monitoringExpectedSeries"),
      grafanaAdminPassword: secret("grafanaAdminPassword"),
      slackWebhookUrl: secret("slackWebhookUrl"),
      alertEmail: get("alertEmail"),
    },
    security: {
      trailLogRetentionDays: must("trailLogRetentionDays"),
      flowLogRetentionDays: must("flowLogRetentionDays"),
      trailBucketExpireDays: expireDays,
      guardDutyExistingDetectorId: get("guardDutyExistingDetectorId"),
      guardDutyFindingFrequency: must("guardDutyFindingFrequency") as FindingFrequency,
      guardDutyMinSeverity: must("guardDutyMinSeverity"),
      manageAccountSettings: must("manageAccountSettings"),
      forceDestroy,
    },
  };
}

export function loadSettings(): Settings {
  const project = pulumi.getProject();
  const raw: RawConfig = {};
  for (const name of CONFIG_KEYS) raw[name] = pulumi.runtime.getConfig(`${project}:${name}`);
  const region = pulumi.runtime.getConfig("aws:region");
  if (!region) throw new ConfigError("aws:region", undefined, "required: pulumi config set aws:region eu-west-1");
  return parseSettings(raw, { project, stack: pulumi.getStack(), region });
}
