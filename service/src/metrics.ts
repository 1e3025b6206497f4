import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Label value used for every request that matched no route, so unknown URLs add no series. */
export const UNMATCHED_ROUTE = "unmatched";

/** Buckets (seconds) for a fast JSON API: 1 ms … 10 s, dense around the 100–500 ms latency objectives. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets (seconds) for SQLite statements: 50 µs … 1 s. */
const DB_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export type TaskCounter = () => Record<string, number>;

/** Every metric TaskFlow exposes, registered in one registry served on the metrics port. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<"method" | "route" | "status_code">;
  readonly httpDuration: Histogram<"method" | "route" | "status_code">;
  readonly authFailures: Counter<"reason">;
  readonly rateLimited: Counter<string>;
  readonly dbDuration: Histogram<"operation">;
  readonly slowQueries: Counter<string>;

  /** Label children per (method, route, status): the label sets are bounded, so the cache is too. */
  private readonly requestChildren = new Map<
    string,
    { count: { inc(): void }; duration: { observe(v: number): void } }
  >();

  /** Count and time one public request (the hot path: cached label children, no per-call label hashing). */
  recordRequest(method: string, route: string, statusCode: number, seconds: number): void {
    const key = `${method} ${route} ${statusCode}`;
    let child = this.requestChildren.get(key);
    if (!child) {
      const status = String(statusCode);
      child = {
        count: this.httpRequests.labels(method, route, status),
        duration: this.httpDuration.labels(method, route, status),
      };
      this.requestChildren.set(key, child);
    }
    child.count.inc();
    child.duration.observe(seconds);
  }

  private readonly queryChildren = new Map<string, { observe(v: number): void }>();

  /** Time one SQLite statement. */
  recordQuery(operation: string, seconds: number): void {
    let child = this.queryChildren.get(operation);
    if (!child) {
      child = this.dbDuration.labels(operation);
      this.queryChildren.set(operation, child);
    }
    child.observe(seconds);
  }

  constructor(version: string, countTasks: TaskCounter) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({
      name: "http_requests_total",
      help: "HTTP requests served on the public port, by method, route template and status code.",
      labelNames: ["method", "route", "status_code"],
      registers,
    });
    this.httpDuration = new Histogram({
      name: "http_request_duration_seconds",
      help: "Time from receiving a request to sending its response, in seconds.",
      labelNames: ["method", "route", "status_code"],
      buckets: HTTP_BUCKETS,
      registers,
    });
    new Gauge({
      name: "taskflow_tasks",
      help: "Tasks currently stored, by status.",
      labelNames: ["status"],
      registers,
      collect() {
        const counts = countTasks();
        for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
      },
    });
    this.authFailures = new Counter({
      name: "taskflow_auth_failures_total",
      help: "Requests to /tasks refused with 401, by reason (missing, malformed, invalid).",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of ["missing", "malformed", "invalid"]) this.authFailures.inc({ reason }, 0);
    this.rateLimited = new Counter({
      name: "taskflow_rate_limited_total",
      help: "Requests refused with 429 by the per-client rate limit.",
      registers,
    });
    this.dbDuration = new Histogram({
      name: "taskflow_db_query_duration_seconds",
      help: "SQLite statement execution time, in seconds, by operation.",
      labelNames: ["operation"],
      buckets: DB_BUCKETS,
      registers,
    });
    this.slowQueries = new Counter({
      name: "taskflow_db_slow_queries_total",
      help: "SQLite statements slower than SLOW_QUERY_MS.",
      registers,
    });
    new Gauge({
      name: "taskflow_build_info",
      help: "Always 1; the version label identifies the running build.",
      labelNames: ["version"],
      registers,
    }).set({ version }, 1);
  }
}
