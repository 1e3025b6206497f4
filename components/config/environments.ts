/**
 * What each environment means, in one table: what a stack of it keeps, what it refuses and the defaults that
 * differ by environment. A stack's `environment` key alone picks its row, whatever the stack is called. The
 * schema takes its per-environment defaults from here, the parser applies the refusals (each names the key,
 * the value and what is allowed), and components receive `Protection`, never the environment's name.
 *
 * Adding an environment (say `staging`) takes:
 * 1. its row in `ENVIRONMENT_TABLE` below: its purpose, protection, every per-environment default and its
 *    refusals (the `Environment` type and `ENVIRONMENTS` follow from the table);
 * 2. its stack file, `Pulumi.staging.yaml`, with `observed-app:environment: staging` and what it sets;
 * 3. its entry in the CI matrix (`.github/workflows/preview.yml`, `strategy.matrix.stack`);
 * then `npm run docs -- --write` regenerates Pulumi.yaml's config block and the README's reference (a test
 * fails while they are stale).
 */
import type { AppTier } from "./app-tiers";
import type { FindingFrequency } from "./aws-catalogue";

/**
 * What an environment keeps: handed to every component as one policy instead of a flag per component.
 */
export interface Protection {
  /**
   * Data-bearing resources (host data volumes, the trail bucket, its key and log group, the GuardDuty detector)
   * are `protect`ed and retained when the stack is destroyed; the ECR repository is never force-deleted.
   */
  keepData: boolean;
}

/** The decoded values of the config keys an environment sets defaults for or refuses values of. */
export interface EnvironmentKeyValues {
  adminCidrs: string[];
  appFaultInjection: boolean;
  appLogRetentionDays: number;
  appTier: AppTier;
  appMinSize: number;
  appMaxSize: number;
  appWaf: boolean;
  /** Optional: refused unset where an environment requires HTTPS. */
  appDomain: string | undefined;
  dbInstanceClass: string;
  dbBackupRetentionDays: number;
  monitoringReplicas: number;
  managedPrometheus: boolean;
  trailLogRetentionDays: number;
  flowLogRetentionDays: number;
  trailBucketExpireDays: number;
  guardDutyFindingFrequency: FindingFrequency;
  manageAccountSettings: boolean;
  forceDestroy: boolean;
}

/** The keys whose default depends on the environment (CONFIG_SCHEMA reads them from here). */
export type EnvironmentDefaults = Omit<EnvironmentKeyValues, "adminCidrs" | "appFaultInjection" | "appDomain">;

interface RefusalOf<K extends keyof EnvironmentKeyValues> {
  /** The config key. */
  key: K;
  /** Whether the (valid) value is refused in this environment; an optional key's is undefined when unset. */
  refuses: (value: EnvironmentKeyValues[K]) => boolean;
  /** Why, naming what is allowed: the end of the ConfigError's message. */
  allowed: string;
  /** The app tiers it applies to (a fleet key means nothing on one host); every tier when absent. */
  tiers?: readonly AppTier[];
}

/** One value an environment refuses, though the schema accepts it. */
export type Refusal = { [K in keyof EnvironmentKeyValues]: RefusalOf<K> }[keyof EnvironmentKeyValues];

const refuse = <K extends keyof EnvironmentKeyValues>(
  key: K,
  refuses: RefusalOf<K>["refuses"],
  allowed: string,
  tiers?: readonly AppTier[],
): Refusal => ({ key, refuses, allowed, ...(tiers ? { tiers } : {}) }) as Refusal;

/** What one environment means. */
export interface EnvironmentSpec {
  /** What stacks of this environment are for (one line, for the docs). */
  purpose: string;
  protection: Protection;
  defaults: EnvironmentDefaults;
  /** Checked in this order, each right after its key is read. */
  refusals: readonly Refusal[];
}

/** Every environment a stack may declare, and what it means. */
export const ENVIRONMENT_TABLE = {
  dev: {
    purpose: "cheap and disposable: one app host, short retention, nothing protected",
    protection: { keepData: false },
    defaults: {
      appLogRetentionDays: 14,
      appTier: "host",
      appMinSize: 1,
      appMaxSize: 2,
      appWaf: false,
      dbInstanceClass: "db.t4g.micro",
      dbBackupRetentionDays: 1,
      monitoringReplicas: 1,
      managedPrometheus: false,
      trailLogRetentionDays: 14,
      flowLogRetentionDays: 7,
      trailBucketExpireDays: 120,
      guardDutyFindingFrequency: "SIX_HOURS",
      manageAccountSettings: false,
      forceDestroy: true,
    },
    refusals: [],
  },
  prod: {
    purpose: "protects and retains data and audit logs; the app fleet behind a WAF, an HA monitoring pair",
    protection: { keepData: true },
    defaults: {
      appLogRetentionDays: 90,
      appTier: "fleet",
      appMinSize: 2,
      appMaxSize: 6,
      appWaf: true,
      dbInstanceClass: "db.t4g.medium",
      dbBackupRetentionDays: 14,
      monitoringReplicas: 2,
      managedPrometheus: true,
      trailLogRetentionDays: 365,
      flowLogRetentionDays: 90,
      trailBucketExpireDays: 2555,
      guardDutyFindingFrequency: "FIFTEEN_MINUTES",
      manageAccountSettings: true,
      forceDestroy: false,
    },
    refusals: [
      refuse(
        "adminCidrs",
        (v) => v.includes("0.0.0.0/0"),
        "0.0.0.0/0 is not allowed in prod: list the operators' networks",
      ),
      refuse("appFaultInjection", (v) => v, "fault injection is not allowed in prod"),
      refuse("appTier", (v) => v === "host", "prod runs the fleet: one host is a single point of failure"),
      refuse("appMinSize", (v) => v < 2, "prod runs at least 2 app instances, in different zones", ["fleet"]),
      refuse("appWaf", (v) => !v, "prod puts a WAF in front of the load balancer", ["fleet"]),
      refuse(
        "appDomain",
        (v) => v === undefined,
        "prod serves HTTPS only: set appDomain with appHostedZoneId (an ACM certificate validated in Route 53) or with appCertificateArn (an ACM certificate of the stack's region)",
        ["fleet"],
      ),
      refuse("dbBackupRetentionDays", (v) => v < 14, "prod keeps at least 14 days of backups", ["fleet"]),
      refuse("trailBucketExpireDays", (v) => v < 365, "prod keeps audit logs at least 365 days"),
      refuse("forceDestroy", (v) => v, "prod never force-destroys buckets holding audit data"),
    ],
  },
} satisfies Record<string, EnvironmentSpec>;

/** The environments a stack may declare (`environment` key). */
export type Environment = keyof typeof ENVIRONMENT_TABLE;
/** Every environment, in the table's order. */
export const ENVIRONMENTS = Object.keys(ENVIRONMENT_TABLE) as readonly Environment[];

/** What an environment means (its row of the table). */
export function environmentSpec(environment: Environment): EnvironmentSpec {
  return ENVIRONMENT_TABLE[environment];
}

/** A key's default in every environment: the schema's per-environment `default`. */
export function perEnvironment<K extends keyof EnvironmentDefaults>(
  key: K,
): Record<Environment, EnvironmentDefaults[K]> {
  return Object.fromEntries(ENVIRONMENTS.map((e) => [e, environmentSpec(e).defaults[key]])) as Record<
    Environment,
    EnvironmentDefaults[K]
  >;
}
