/**
 * Stack configuration → typed, validated Settings. Every key is read here, once, before any resource is
 * declared; a bad value stops the program with a message naming the key, the value and what is allowed.
 * `parseSettings` is pure (tests call it directly); `loadSettings` feeds it from the Pulumi stack config.
 */
import * as pulumi from "@pulumi/pulumi";

export type Arch = "arm64" | "x86_64";
export type FindingFrequency = "FIFTEEN_MINUTES" | "ONE_HOUR" | "SIX_HOURS";

export interface Settings {
  project: string;
  stack: string;
  region: string;
  isProd: boolean;
  /** Project, Stack, ManagedBy: on every resource that takes tags (and used for EC2 discovery). */
  tags: Record<string, string>;
  network: { vpcCidr: string; azCount: number };
  access: { adminCidrs: string[]; appIngressCidrs: string[] };
  app: {
    instanceType: string;
    arch: Arch;
    port: number;
    metricsPort: number;
    dataVolumeGiB: number;
    apiToken: pulumi.Output<string>;
    ecrKeepImages: number;
    logRetentionDays: number;
    faultInjection: boolean;
  };
  monitoring: {
    instanceType: string;
    arch: Arch;
    dataVolumeGiB: number;
    prometheusRetention: string;
    grafanaAdminPassword?: pulumi.Output<string>;
    slackWebhookUrl?: pulumi.Output<string>;
    alertEmail?: string;
    retainData: boolean;
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
    protectAuditData: boolean;
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
const FREQUENCIES: FindingFrequency[] = ["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"];
const STACK_DEFAULTS = {
  dev: { appLog: 14, trailLog: 14, flowLog: 7, expire: 120, frequency: "SIX_HOURS", forceDestroy: true },
  prod: { appLog: 90, trailLog: 365, flowLog: 90, expire: 2555, frequency: "FIFTEEN_MINUTES", forceDestroy: false },
} as const;

/** Raw config values as Pulumi stores them: strings (arrays, numbers and booleans JSON-encoded). */
export type RawConfig = Record<string, string | undefined>;

function parseCidr(key: string, v: unknown, minPrefix = 0, maxPrefix = 32): string {
  const m = typeof v === "string" ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v) : null;
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || prefix < minPrefix || prefix > maxPrefix) {
    throw new ConfigError(
      key,
      v,
      `expected an IPv4 CIDR such as 10.0.0.0/16 with a prefix from /${minPrefix} to /${maxPrefix}`,
    );
  }
  const addr = octets.reduce((a, o) => a * 256 + o, 0);
  if (prefix < 32 && addr % 2 ** (32 - prefix) !== 0) {
    throw new ConfigError(key, v, "host bits are set: use the network address of the block");
  }
  return v as string;
}

export function archOf(instanceType: string): Arch {
  const family = instanceType.split(".")[0];
  return /^[a-z]+\d+[a-z]*g[a-z]*$/.test(family) ? "arm64" : "x86_64";
}

/** Validate and type the raw stack config. Throws ConfigError on the first bad key. */
export function parseSettings(raw: RawConfig, ctx: { project: string; stack: string; region: string }): Settings {
  const stack = ctx.stack;
  const isProd = stack === "prod" || stack.startsWith("prod-");
  const d = isProd ? STACK_DEFAULTS.prod : STACK_DEFAULTS.dev;

  const json = (key: string): unknown => {
    const v = raw[key];
    if (v === undefined || v === "") return undefined;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  };
  const str = (key: string): string | undefined => raw[key] || undefined;
  const int = (key: string, fallback: number | undefined, min: number, max: number): number => {
    const v = json(key) ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(key, raw[key] ?? v, `expected an integer from ${min} to ${max}`);
    }
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = json(key) ?? fallback;
    if (typeof v !== "boolean") throw new ConfigError(key, raw[key], "expected true or false");
    return v;
  };
  const retention = (key: string, fallback: number): number => {
    const v = json(key) ?? fallback;
    if (!LOG_RETENTION_DAYS.includes(v as (typeof LOG_RETENTION_DAYS)[number])) {
      throw new ConfigError(key, raw[key] ?? v, `CloudWatch Logs accepts only ${LOG_RETENTION_DAYS.join(", ")} days`);
    }
    return v as number;
  };
  const cidrList = (key: string, fallback?: string[]): string[] => {
    const v = json(key) ?? fallback;
    if (v === undefined)
      throw new ConfigError(key, undefined, 'required: a list of IPv4 CIDRs, e.g. ["203.0.113.0/24"]');
    if (!Array.isArray(v) || v.length === 0)
      throw new ConfigError(key, raw[key], "expected a non-empty list of IPv4 CIDRs");
    return v.map((c, i) => parseCidr(`${key}[${i}]`, c));
  };
  const instanceType = (key: string, fallback: string): string => {
    const v = str(key) ?? fallback;
    const [family, size] = v.split(".");
    if (!INSTANCE_FAMILIES.includes(family) || !INSTANCE_SIZES.includes(size ?? "")) {
      throw new ConfigError(
        key,
        v,
        `expected <family>.<size> with family one of ${INSTANCE_FAMILIES.join(", ")} and size one of ${INSTANCE_SIZES.join(", ")}`,
      );
    }
    return v;
  };
  const secret = (key: string, validate: (v: string) => string | null, required: boolean) => {
    const v = str(key);
    if (v === undefined) {
      if (required)
        throw new ConfigError(
          key,
          undefined,
          `required secret: set it with \`pulumi config set --secret ${key} <value>\``,
        );
      return undefined;
    }
    const problem = validate(v);
    if (problem) throw new ConfigError(key, "[secret]", problem);
    return pulumi.secret(v);
  };

  const vpcCidr = parseCidr("vpcCidr", str("vpcCidr") ?? "10.40.0.0/16", 16, 24);
  const adminCidrs = cidrList("adminCidrs");
  if (isProd && adminCidrs.includes("0.0.0.0/0")) {
    throw new ConfigError(
      "adminCidrs",
      raw.adminCidrs,
      "0.0.0.0/0 is not allowed in prod: list the operators' networks",
    );
  }
  const appIngressCidrs = cidrList("appIngressCidrs", ["0.0.0.0/0"]);
  const appPort = int("appPort", 3000, 1, 65535);
  const metricsPort = int("appMetricsPort", 9464, 1, 65535);
  if (metricsPort === appPort) throw new ConfigError("appMetricsPort", metricsPort, "must differ from appPort");
  const appInstanceType = instanceType("appInstanceType", "t4g.small");
  const monitoringInstanceType = instanceType("monitoringInstanceType", "t4g.medium");
  const faultInjection = bool("appFaultInjection", false);
  if (isProd && faultInjection)
    throw new ConfigError("appFaultInjection", true, "fault injection is not allowed in prod");
  const prometheusRetention = str("prometheusRetention") ?? "15d";
  if (!/^\d+(h|d|w|y)$/.test(prometheusRetention)) {
    throw new ConfigError(
      "prometheusRetention",
      prometheusRetention,
      "expected a Prometheus duration such as 15d, 4w or 1y",
    );
  }
  const alertEmail = str("alertEmail");
  if (alertEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(alertEmail)) {
    throw new ConfigError("alertEmail", alertEmail, "expected an e-mail address such as oncall@example.com");
  }
  const expireDays = int("trailBucketExpireDays", d.expire, 91, 3653);
  if (isProd && expireDays < 365) {
    throw new ConfigError("trailBucketExpireDays", expireDays, "prod keeps audit logs at least 365 days");
  }
  const frequency = (str("guardDutyFindingFrequency") ?? d.frequency) as FindingFrequency;
  if (!FREQUENCIES.includes(frequency)) {
    throw new ConfigError("guardDutyFindingFrequency", frequency, `allowed values are ${FREQUENCIES.join(", ")}`);
  }
  const minSeverity = json("guardDutyMinSeverity") ?? 4;
  if (typeof minSeverity !== "number" || minSeverity < 1 || minSeverity > 8.9) {
    throw new ConfigError(
      "guardDutyMinSeverity",
      raw.guardDutyMinSeverity,
      "expected a number from 1 to 8.9 (4 = Medium, 7 = High)",
    );
  }
  const detectorId = str("guardDutyExistingDetectorId");
  if (detectorId !== undefined && !/^[a-f0-9]{32}$/.test(detectorId)) {
    throw new ConfigError(
      "guardDutyExistingDetectorId",
      detectorId,
      "expected a 32-character hex detector id (aws guardduty list-detectors)",
    );
  }
  const forceDestroy = bool("forceDestroy", d.forceDestroy);
  if (isProd && forceDestroy)
    throw new ConfigError("forceDestroy", true, "prod never force-destroys buckets holding audit data");

  return {
    project: ctx.project,
    stack,
    region: ctx.region,
    isProd,
    tags: { Project: ctx.project, Stack: stack, ManagedBy: "pulumi" },
    network: { vpcCidr, azCount: int("availabilityZones", 2, 1, 4) },
    access: { adminCidrs, appIngressCidrs },
    app: {
      instanceType: appInstanceType,
      arch: archOf(appInstanceType),
      port: appPort,
      metricsPort,
      dataVolumeGiB: int("appDataVolumeGiB", 10, 1, 1024),
      apiToken: secret("apiToken", (v) => (v.length >= 32 ? null : "expected at least 32 characters"), true)!,
      ecrKeepImages: int("ecrKeepImages", 10, 1, 1000),
      logRetentionDays: retention("appLogRetentionDays", d.appLog),
      faultInjection,
    },
    monitoring: {
      instanceType: monitoringInstanceType,
      arch: archOf(monitoringInstanceType),
      dataVolumeGiB: int("monitoringDataVolumeGiB", 20, 8, 16384),
      prometheusRetention,
      grafanaAdminPassword: secret(
        "grafanaAdminPassword",
        (v) => (v.length >= 12 ? null : "expected at least 12 characters"),
        false,
      ),
      slackWebhookUrl: secret(
        "slackWebhookUrl",
        (v) => (/^https:\/\/hooks\.slack\.com\//.test(v) ? null : "expected an https://hooks.slack.com/… URL"),
        false,
      ),
      alertEmail,
      retainData: isProd,
    },
    security: {
      trailLogRetentionDays: retention("trailLogRetentionDays", d.trailLog),
      flowLogRetentionDays: retention("flowLogRetentionDays", d.flowLog),
      trailBucketExpireDays: expireDays,
      guardDutyExistingDetectorId: detectorId,
      guardDutyFindingFrequency: frequency,
      guardDutyMinSeverity: minSeverity,
      manageAccountSettings: bool("manageAccountSettings", true),
      forceDestroy,
      protectAuditData: isProd,
    },
  };
}

/** Every key Pulumi.yaml declares, read raw from the stack config (secrets included, wrapped again as secrets). */
export const CONFIG_KEYS = [
  "vpcCidr",
  "availabilityZones",
  "adminCidrs",
  "appIngressCidrs",
  "appInstanceType",
  "appPort",
  "appMetricsPort",
  "appDataVolumeGiB",
  "apiToken",
  "ecrKeepImages",
  "appLogRetentionDays",
  "appFaultInjection",
  "monitoringInstanceType",
  "monitoringDataVolumeGiB",
  "prometheusRetention",
  "grafanaAdminPassword",
  "slackWebhookUrl",
  "alertEmail",
  "trailLogRetentionDays",
  "flowLogRetentionDays",
  "trailBucketExpireDays",
  "guardDutyExistingDetectorId",
  "guardDutyFindingFrequency",
  "guardDutyMinSeverity",
  "manageAccountSettings",
  "forceDestroy",
] as const;

export function loadSettings(): Settings {
  const project = pulumi.getProject();
  const raw: RawConfig = {};
  for (const key of CONFIG_KEYS) raw[key] = pulumi.runtime.getConfig(`${project}:${key}`);
  const region = pulumi.runtime.getConfig("aws:region");
  if (!region) throw new ConfigError("aws:region", undefined, "required: pulumi config set aws:region eu-west-1");
  return parseSettings(raw, { project, stack: pulumi.getStack(), region });
}
