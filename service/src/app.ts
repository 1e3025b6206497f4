import Fastify, { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import underPressure from "@fastify/under-pressure";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_BODY_LIMIT_BYTES, type ServiceConfig } from "./config";
import { HEALTH_PATH, UNMATCHED_ROUTE } from "./contract";
import { SqliteTaskStore, StoreUnavailableError, type QueryObserver, type TaskStore } from "./db";
import { PostgresTaskStore, StoreAuthFailedError } from "./db-postgres";
import { HealthCache } from "./health-cache";
import { ServiceMetrics } from "./metrics";
import { FaultState, faultPlugin, faultRoutes } from "./plugins/fault";
import { tasksPlugin } from "./plugins/tasks";

export const SERVICE_NAME = "taskflow";
export const VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string }
).version;

/** A valid incoming x-request-id is kept (so a caller's id follows the request); anything else is replaced. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

export type BuildOptions = Pick<
  ServiceConfig,
  "apiToken" | "dbPath" | "rateLimitPerMinute" | "slowQueryMs" | "faultInjection" | "metricsEnabled" | "logLevel"
> & {
  /** PostgreSQL instead of SQLite (DATABASE_URL); absent: SQLite at `dbPath`. */
  database?: ServiceConfig["database"];
  /** Replace the logger destination (tests capture log lines this way). */
  logStream?: NodeJS.WritableStream;
  /** Largest accepted request body (default 16 KiB: BODY_LIMIT_BYTES); larger ones get 413. */
  bodyLimitBytes?: number;
  /** Believe X-Forwarded-For from these proxies (TRUST_PROXY: loopback, or CIDRs); default off. */
  trustProxy?: string;
  /** How long shutdown waits for in-flight requests before cutting connections (default 10 s). */
  drainTimeoutMs?: number;
  /** Under-pressure limits; defaults suit a small instance. */
  maxEventLoopDelayMs?: number;
};

/** The running service: two Fastify instances sharing one store, one metrics registry and one fault state. */
export interface Service {
  app: FastifyInstance;
  metricsApp: FastifyInstance;
  store: TaskStore;
  metrics: ServiceMetrics | null;
  close(): Promise<void>;
}

function loggerOptions(opts: BuildOptions) {
  return {
    level: opts.logLevel,
    // The Authorization header never reaches a log line; bodies are not logged at all.
    redact: { paths: ["req.headers.authorization", "headers.authorization"], censor: "[redacted]" },
    ...(opts.logStream ? { stream: opts.logStream } : {}),
  };
}

/**
 * Build the public app and the metrics app (not listening). The public app serves `/`, HEALTH_PATH and
 * `/tasks`; the metrics app serves `/metrics`, HEALTH_PATH and, with fault injection on, `/fault`.
 */
export async function buildApp(opts: BuildOptions): Promise<Service> {
  let metrics: ServiceMetrics | null = null;
  const logLine = { slow: (_op: string, _ms: number) => {} };
  // HEALTH_PATH's probe, shared by both listeners; the store's queries keep it honest (see HealthCache).
  const healthCache = new HealthCache(() => store.ping());
  const observe: QueryObserver = opts.metricsEnabled
    ? function observeQuery(operation, seconds, ok) {
        healthCache.observed(ok);
        metrics?.recordQuery(operation, seconds);
        if (seconds * 1000 >= opts.slowQueryMs) {
          metrics?.slowQueries.inc();
          logLine.slow(operation, seconds * 1000);
        }
      }
    : (operation, seconds, ok) => {
        healthCache.observed(ok);
        if (seconds * 1000 >= opts.slowQueryMs) logLine.slow(operation, seconds * 1000);
      };
  const store: TaskStore = opts.database
    ? await PostgresTaskStore.open(opts.database, observe)
    : new SqliteTaskStore(opts.dbPath, observe);
  if (opts.metricsEnabled) metrics = new ServiceMetrics(VERSION, () => store.countByStatus());
  const fault = new FaultState();

  const app = Fastify({
    logger: loggerOptions(opts),
    // proxy-addr's named range: X-Forwarded-For counts only when the connection comes from 127.0.0.0/8 or ::1.
    ...(opts.trustProxy && opts.trustProxy !== "off" ? { trustProxy: opts.trustProxy } : {}),
    bodyLimit: opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    genReqId: (req) => {
      const incoming = req.headers["x-request-id"];
      return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    return503OnClosing: true,
  });
  // The API speaks JSON only: other media types get 415 rather than being parsed as strings.
  app.removeContentTypeParser("text/plain");
  logLine.slow = (operation, ms) =>
    app.log.warn({ event: "slow_query", operation, durationMs: Math.round(ms * 100) / 100 }, "slow database query");

  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });
  // While draining, in-flight responses close their keep-alive connection so shutdown is not held open.
  let closing = false;
  app.addHook("onSend", async (_req, reply) => {
    if (closing) reply.header("connection", "close");
  });

  if (metrics) {
    const m = metrics;
    // One synchronous hook: Fastify already timed the request (reply.elapsedTime, from its own start mark).
    app.addHook("onResponse", function recordResponse(req, reply, done) {
      m.recordRequest(
        KNOWN_METHODS.has(req.method) ? req.method : "OTHER",
        req.routeOptions.url ?? UNMATCHED_ROUTE,
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
      done();
    });
  }

  await app.register(helmet);
  await app.register(underPressure, {
    maxEventLoopDelay: opts.maxEventLoopDelayMs ?? 1000,
    retryAfter: 5,
    pressureHandler: (_req, reply, type, value) => {
      reply
        .code(503)
        .header("retry-after", "5")
        .send({
          error: "Service Unavailable",
          message: `server is saturated (${type}${value === undefined ? "" : `: ${value}`}); retry later`,
        });
    },
  });
  await app.register(rateLimit, {
    max: opts.rateLimitPerMinute,
    timeWindow: 60_000,
    allowList: (req) => req.url === HEALTH_PATH,
    onExceeded: (req) => {
      metrics?.rateLimited.inc();
      req.log.warn({ event: "rate_limited", ip: req.ip }, "rate limit exceeded");
    },
    errorResponseBuilder: (_req, ctx) => ({
      statusCode: 429,
      error: "Too Many Requests",
      message: `rate limit of ${ctx.max} requests per minute exceeded; retry in ${ctx.after}`,
    }),
  });

  if (opts.faultInjection) await app.register(faultPlugin, { fault });

  app.setErrorHandler((error: FastifyError, req, reply) => replyError(error, req, reply));
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: "Not Found", message: `no route for ${req.method} ${req.url.split("?")[0]}` });
  });

  app.get("/", async () => ({ name: SERVICE_NAME, version: VERSION }));
  app.get(HEALTH_PATH, async (req, reply) => health(healthCache, req, reply));
  await app.register(tasksPlugin, { prefix: "/tasks", store, apiToken: opts.apiToken, metrics });

  const metricsApp = Fastify({ logger: loggerOptions(opts), bodyLimit: 1024 });
  metricsApp.setErrorHandler((error: FastifyError, req, reply) => replyError(error, req, reply));
  metricsApp.get(HEALTH_PATH, async (req, reply) => health(healthCache, req, reply));
  if (metrics) {
    const m = metrics;
    metricsApp.get("/metrics", async (_req, reply) => {
      reply.header("content-type", m.contentType);
      return m.render();
    });
  }
  if (opts.faultInjection) await metricsApp.register(faultRoutes, { fault });

  return {
    app,
    metricsApp,
    store,
    metrics,
    async close() {
      closing = true;
      // In-flight requests get up to drainTimeoutMs; then remaining connections are cut.
      const cut = setTimeout(() => {
        app.server.closeAllConnections();
        metricsApp.server.closeAllConnections();
      }, opts.drainTimeoutMs ?? 10_000);
      cut.unref();
      await Promise.allSettled([app.close(), metricsApp.close()]);
      clearTimeout(cut);
      metrics?.stop();
      await store.close();
    },
  };
}

/**
 * HEALTH_PATH: the database probe's cached result (HEALTH_CACHE_MS); a fixed reason in the answer (it is public),
 * the database's own error only in the log, on every unhealthy answer.
 */
async function health(cache: HealthCache, req: FastifyRequest, reply: FastifyReply) {
  const result = await cache.check();
  if (result.ok) return { status: "ok" };
  req.log.error({ event: "health_failed", err: result.error }, "database unusable");
  return reply.code(503).send({ status: "unavailable", reason: "database unavailable" });
}

/** Every error leaves as JSON with a reason; 4xx reasons are specific, 5xx never leak internals. */
function replyError(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (error instanceof StoreUnavailableError) {
    // The database is down or unreachable, or refuses a rotated password the file has not caught up with yet: the
    // request was fine, so 503 and a retry hint, never 500. The log says which (pg's message has no password).
    if (error instanceof StoreAuthFailedError)
      req.log.warn({ event: error.event, err: error }, "database refused the password; waiting for the file");
    else req.log.warn({ event: "database_unavailable", err: error }, "database unavailable");
    return reply
      .code(503)
      .header("retry-after", "5")
      .send({ error: "Service Unavailable", message: "database unavailable; retry later" });
  }
  if (error.validation) {
    req.log.info({ event: "validation_failed", reason: error.message }, "request failed validation");
    return reply.code(400).send({ error: "Bad Request", message: error.message });
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    if (status === 413) req.log.info({ event: "validation_failed", reason: "body too large" }, "body too large");
    return reply.code(status).send({ error: httpReason(status), message: error.message });
  }
  req.log.error({ err: error }, "request failed");
  return reply.code(500).send({ error: "Internal Server Error", message: "unexpected error; see the service log" });
}

function httpReason(status: number): string {
  return (
    (
      {
        400: "Bad Request",
        401: "Unauthorized",
        404: "Not Found",
        405: "Method Not Allowed",
        413: "Payload Too Large",
        415: "Unsupported Media Type",
        429: "Too Many Requests",
      } as Record<number, string>
    )[status] ?? "Client Error"
  );
}
