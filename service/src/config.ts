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
  rateLimitPerMinute: number;
  slowQueryMs: number;
  faultInjection: boolean;
  metricsEnabled: boolean;
  logLevel: string;
  bodyLimitBytes: number;
  /**
   * Whose X-Forwarded-For to believe for the client address (rate limits, logs): `off`, or `loopback` when a
   * proxy on the same host forwards to the service (the AWS app host's edge).
   */
  trustProxy: "off" | "loopback";
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
    rateLimitPerMinute: integer(env, "RATE_LIMIT_PER_MINUTE", 600, 1, 10_000_000),
    slowQueryMs: integer(env, "SLOW_QUERY_MS", 100, 0, 600_000),
    faultInjection: oneOf(env, "FAULT_INJECTION", "off", ["on", "off"] as const) === "on",
    metricsEnabled: oneOf(env, "METRICS", "on", ["on", "off"] as const) === "on",
    logLevel: oneOf(env, "LOG_LEVEL", "info", LOG_LEVELS),
    bodyLimitBytes: integer(env, "BODY_LIMIT_BYTES", DEFAULT_BODY_LIMIT_BYTES, 1024, 1024 * 1024),
    trustProxy: oneOf(env, "TRUST_PROXY", "off", ["off", "loopback"] as const),
  };
}
