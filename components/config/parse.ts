/**
 * Raw stack config → typed, validated Settings, read through CONFIG_SCHEMA. A bad value stops the program
 * before any resource is declared, with a message naming the key, the value and what is allowed. Every key is
 * checked as it is read: its type, its validator, then its environment's refusals (environments.ts); rules that
 * join several keys follow. `parseSettings` is pure (tests call it directly); `loadSettings` feeds it from the
 * Pulumi config.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AppTier } from "./app-tiers";
import { archOf, DB_POOL_PER_INSTANCE, maxConnectionsOf, type FindingFrequency } from "./aws-catalogue";
import { ENVIRONMENTS, environmentSpec, type Environment } from "./environments";
import { CONNECTION_CEILING_RATIO } from "./limits";
import { CONFIG_KEYS, CONFIG_SCHEMA, type ConfigKey, type ConfigKeyName, type ValueOf } from "./schema";
import { ConfigError, type AppDomain, type RawConfig, type Settings } from "./settings";

/** The decoded value of a key. */
type Value<K extends ConfigKeyName> = ValueOf<(typeof CONFIG_SCHEMA)[K]["type"]>;

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
  const meaning = environmentSpec(environment);
  const read = new Map<ConfigKeyName, unknown>();

  /** The value of a key: decoded, defaulted for this environment, validated, checked against the refusals. */
  function get<K extends ConfigKeyName>(name: K): Value<K> | undefined {
    if (read.has(name)) return read.get(name) as Value<K> | undefined;
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
    } else {
      v = decode(name, spec, text);
    }
    if (v !== undefined) {
      const problem = spec.check?.(v as never);
      if (typeof problem === "string") throw new ConfigError(name, spec.secret ? "[secret]" : (text ?? v), problem);
      if (problem) throw new ConfigError(`${name}[${problem.index}]`, problem.value, problem.problem);
    }
    // An optional key left unset is checked too: an environment may refuse its absence (prod without a domain).
    for (const refusal of meaning.refusals) {
      if (refusal.key !== name || (refusal.tiers && !refusal.tiers.includes(must("appTier") as AppTier))) continue;
      // A list is shown as written; any other value as decoded.
      const shown = spec.type === "array" ? (text ?? v) : v;
      if ((refusal.refuses as (value: unknown) => boolean)(v)) throw new ConfigError(name, shown, refusal.allowed);
    }
    read.set(name, v);
    return v as Value<K> | undefined;
  }
  function must<K extends ConfigKeyName>(name: K): Value<K> {
    return get(name)!;
  }
  const secret = (name: "apiToken" | "grafanaAdminPassword" | "slackWebhookUrl") => {
    const v = get(name);
    return v === undefined ? undefined : pulumi.secret(v);
  };

  const vpcCidr = must("vpcCidr");
  const adminCidrs = must("adminCidrs");
  const appIngressCidrs = must("appIngressCidrs");
  const appPort = must("appPort");
  const metricsPort = must("appMetricsPort");
  if (metricsPort === appPort) throw new ConfigError("appMetricsPort", metricsPort, "must differ from appPort");
  const appInstanceType = must("appInstanceType");
  const monitoringInstanceType = must("monitoringInstanceType");
  const faultInjection = must("appFaultInjection");
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
  const minSize = must("appMinSize");
  const maxSize = must("appMaxSize");
  const waf = must("appWaf");
  const backupDays = must("dbBackupRetentionDays");
  const domain = get("appDomain");
  const hostedZoneId = get("appHostedZoneId");
  const certificateArn = get("appCertificateArn");
  if (tier === "fleet") {
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
    const dbClass = must("dbInstanceClass");
    const ceiling = Math.floor(maxConnectionsOf(dbClass) * CONNECTION_CEILING_RATIO);
    if (maxSize * DB_POOL_PER_INSTANCE > ceiling) {
      throw new ConfigError(
        "appMaxSize",
        maxSize,
        `${maxSize} instances × ${DB_POOL_PER_INSTANCE} connections exceed ${CONNECTION_CEILING_RATIO * 100} % of ${dbClass}'s max_connections (${ceiling}): lower it or pick a larger dbInstanceClass`,
      );
    }
    if (domain === undefined && certificateArn !== undefined) {
      throw new ConfigError(
        "appDomain",
        undefined,
        "appCertificateArn needs appDomain, the name its certificate covers: clients and the health probe use it (no certificate covers the load balancer's own name)",
      );
    }
    if (certificateArn === undefined && (domain === undefined) !== (hostedZoneId === undefined)) {
      const missing = domain === undefined ? "appDomain" : "appHostedZoneId";
      throw new ConfigError(
        missing,
        undefined,
        "appDomain and appHostedZoneId go together: set both for HTTPS (or appDomain with appCertificateArn), or neither for plain HTTP",
      );
    }
    if (certificateArn !== undefined && certificateArn.split(":")[3] !== ctx.region) {
      throw new ConfigError(
        "appCertificateArn",
        certificateArn,
        `expected a certificate in the stack's region (${ctx.region}): a load balancer's HTTPS listener takes only an ACM certificate of its own region`,
      );
    }
  }
  const expireDays = must("trailBucketExpireDays");
  const forceDestroy = must("forceDestroy");

  return {
    project: ctx.project,
    stack: ctx.stack,
    environment,
    region: ctx.region,
    protection: { ...meaning.protection },
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
      domain: appDomainOf(domain, hostedZoneId, certificateArn),
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

/** The fleet's HTTPS name with its certificate's source, or none (plain HTTP) when either is missing. */
function appDomainOf(name?: string, hostedZoneId?: string, certificateArn?: string): AppDomain | undefined {
  if (name === undefined) return undefined;
  const zone = hostedZoneId === undefined ? {} : { hostedZoneId };
  if (certificateArn !== undefined) return { name, certificateArn, ...zone };
  return hostedZoneId === undefined ? undefined : { name, hostedZoneId };
}

/** The settings of the running Pulumi stack (its config and `aws:region`). */
export function loadSettings(): Settings {
  const project = pulumi.getProject();
  const raw: RawConfig = {};
  for (const name of CONFIG_KEYS) raw[name] = pulumi.runtime.getConfig(`${project}:${name}`);
  const region = pulumi.runtime.getConfig("aws:region");
  if (!region) throw new ConfigError("aws:region", undefined, "required: pulumi config set aws:region eu-west-1");
  return parseSettings(raw, { project, stack: pulumi.getStack(), region });
}
