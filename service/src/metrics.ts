import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Label value used for every request that matched no route, so unknown URLs add no series. */
export const UNMATCHED_ROUTE = "unmatched";

/** Buckets (seconds) for a fast JSON API: 1 ms … 10 s, dense around the 100–500 ms latency objectives. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets (seconds) for SQLite statements: 50 µs … 1 s. */
const DB_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export type TaskCounter = () => Record<string, number>;

type RequestLabels = { method: string; route: string; status_code: string };
interface RequestSeries {
  labels: RequestLabels;
  count: number;
  duration: { observe(v: number): void };
}

/** Every metric TaskFlow exposes, registered in one registry served on the metrics port. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<"method" | "route" | "status_code">;
  readonly httpDuration: Histogram<"method" | "route" | "status_code">;
  readonly authFailures: Counter<"reason">;
  readonly rateLimited: Counter<string>;
  readonly dbDuration: Histogram<"operation">;
  readonly slowQueries: Counter<string>;

  /**
   * One entry per (route, method, status) seen, reached through nested maps keyed by the strings Fastify
   * already holds (no key built per request). The label sets are bounded (route templates, known methods,
   * status codes), so the maps are too.
   */
  private readonly requestSeries = new Map<string, Map<string, Map<number, RequestSeries>>>();
  private readonly allRequestSeries: RequestSeries[] = [];

  /**
   * Count and time one public request: the hot path. It makes one histogram observation; the request counter
   * is the same count, kept here as a plain number and handed to http_requests_total when it is collected.
   */
  recordRequest(method: string, route: string, statusCode: number, seconds: number): void {
    let byMethod = this.requestSeries.get(route);
    if (!byMethod) this.requestSeries.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(statusCode);
    if (!series) {
      const labels = { method, route, status_code: String(statusCode) };
      series = { labels, count: 0, duration: this.httpDuration.labels(labels) };
      byStatus.set(statusCode, series);
      this.allRequestSeries.push(series);
    }
    series.count++;
    series.duration.observe(seconds);
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
    const requestSeries = this.allRequestSeries;
    this.httpRequests = new Counter({
      name: "http_requests_total",
      help: "HTTP requests served on the public port, by method, route template and status code.",
      labelNames: ["method", "route", "status_code"],
      registers,
      // Counted in recordRequest; published at collection, so it always equals the histogram's _count.
      collect() {
        this.reset();
        for (const s of requestSeries) this.inc(s.labels, s.count);
      },
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
