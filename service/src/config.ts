/**
 * Service configuration, read once from the environment and validated.
 * An invalid value stops start-up with a message naming the variable, the value and what is allowed.
 */
import { DEFAULT_PORTS } from "./contract";
export interface ServiceConfig {
  host: string;
  port: number;
  metricsHost: string;
  metricsPort: number;
  apiToken: string;
  dbPath: string;
  /** PostgreSQL instead of SQLite (`DATABASE_URL`); absent: SQLite at `dbPath`. */
  database?: DatabaseConfig;
  rateLimitPerMinute: number;
  slowQueryMs: number;
  faultInjection: boolean;
  metricsEnabled: boolean;
  logLevel: string;
  bodyLimitBytes: number;
  /**
   * Whose X-Forwarded-For to believe for the client address (rate limits, logs): `off`; `loopback` when a
   * proxy on the same host forwards to the service (the AWS app host's edge); or the proxies' CIDRs, comma
   * separated (the fleet's load balancer: its VPC's block).
   */
  trustProxy: string;
}

/** The PostgreSQL store's settings (DATABASE_* and DB_POOL_MAX, DB_*_TIMEOUT_MS). */
export interface DatabaseConfig {
  url: string;
  passwordFile?: string;
  /**
   * `verify-full`: TLS, the server's certificate checked against `caFile` and its name against the URL's host (the
   * fleet, with the RDS CA bundle in the image). `require`: TLS without any check of the server, for local use only.
   * `off`: no TLS (local). Whatever the value, the password goes only through SCRAM (db-postgres.ts).
   */
  tls: "off" | "require" | "verify-full";
  caFile?: string;
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

const DATABASE_TLS = ["off", "require", "verify-full"] as const;

/** DATABASE_URL and its companions, or undefined when DATABASE_URL is unset (SQLite). */
function databaseConfig(env: NodeJS.ProcessEnv): DatabaseConfig | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === "") {
    for (const name of ["DATABASE_PASSWORD_FILE", "DATABASE_CA_FILE"]) {
      if (env[name]) throw new ConfigError(`${name} is set but DATABASE_URL is not: it applies to PostgreSQL only`);
    }
    return undefined;
  }
  let u: URL | undefined;
  try {
    u = new URL(raw);
  } catch {
    u = undefined;
  }
  // Never echo the value: it may carry a password.
  if (!u || !["postgres:", "postgresql:"].includes(u.protocol) || !u.hostname || u.pathname.length < 2) {
    throw new ConfigError(
      "DATABASE_URL is invalid: expected postgres://user[:password]@host[:port]/database (or postgresql://)",
    );
  }
  if (!u.username) throw new ConfigError("DATABASE_URL is invalid: it names no user (postgres://user@host/database)");
  const tls = oneOf(env, "DATABASE_TLS", "off", DATABASE_TLS);
  const caFile = env.DATABASE_CA_FILE || undefined;
  if (tls === "verify-full" && !caFile) {
    throw new ConfigError("DATABASE_TLS=verify-full needs DATABASE_CA_FILE: the PEM bundle of the server's CA");
  }
  return {
    url: raw,
    passwordFile: env.DATABASE_PASSWORD_FILE || undefined,
    tls,
    caFile,
    poolMax: integer(env, "DB_POOL_MAX", 10, 1, 100),
    connectTimeoutMs: integer(env, "DB_CONNECT_TIMEOUT_MS", 5000, 100, 60_000),
    statementTimeoutMs: integer(env, "DB_STATEMENT_TIMEOUT_MS", 5000, 100, 600_000),
  };
}

/** TRUST_PROXY: off, loopback, or a comma-separated list of IPv4 CIDRs (or addresses). */
function trustProxy(env: NodeJS.ProcessEnv): string {
  const raw = env.TRUST_PROXY;
  if (raw === undefined || raw === "" || raw === "off" || raw === "loopback") return raw || "off";
  const parts = raw.split(",").map((p) => p.trim());
  const cidr = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/;
  for (const p of parts) {
    const m = cidr.exec(p);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || (m[6] !== undefined && Number(m[6]) > 32)) {
      throw new ConfigError(
        `TRUST_PROXY="${raw}" is invalid: allowed values are off, loopback, or IPv4 CIDRs separated by commas (e.g. 10.50.0.0/16)`,
      );
    }
  }
  return parts.join(",");
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Largest request body the public API accepts by default (16 KiB). */
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name}="${raw}" is invalid: expected an integer from ${min} to ${max}`);
  }
  return Number(raw);
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name}="${raw}" is invalid: allowed values are ${allowed.join(", ")}`);
  }
  return raw as T;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const apiToken = env.API_TOKEN;
  if (apiToken === undefined || apiToken === "") {
    throw new ConfigError("API_TOKEN is required: set it to the bearer token clients must send (16+ characters)");
  }
  if (apiToken.length < 16) {
    throw new ConfigError(`API_TOKEN is too short (${apiToken.length} characters): at least 16 are required`);
  }
  return {
    host: env.HOST || "0.0.0.0",
    port: integer(env, "PORT", DEFAULT_PORTS.app, 0, 65535),
    metricsHost: env.METRICS_HOST || env.HOST || "0.0.0.0",
    metricsPort: integer(env, "METRICS_PORT", DEFAULT_PORTS.metrics, 0, 65535),
    apiToken,
    dbPath: env.DB_PATH || "./data/taskflow.db",
    database: databaseConfig(env),
    rateLimitPerMinute: integer(env, "RATE_LIMIT_PER_MINUTE", 600, 1, 10_000_000),
    slowQueryMs: integer(env, "SLOW_QUERY_MS", 100, 0, 600_000),
    faultInjection: oneOf(env, "FAULT_INJECTION", "off", ["on", "off"] as const) === "on",
    metricsEnabled: oneOf(env, "METRICS", "on", ["on", "off"] as const) === "on",
    logLevel: oneOf(env, "LOG_LEVEL", "info", LOG_LEVELS),
    bodyLimitBytes: integer(env, "BODY_LIMIT_BYTES", DEFAULT_BODY_LIMIT_BYTES, 1024, 1024 * 1024),
    trustProxy: trustProxy(env),
  };
}
