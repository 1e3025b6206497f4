import { Counter, Gauge, Registry } from "prom-client";
import { METRIC_NAMES } from "./contract";
import { collectNodeMetrics } from "./event-loop-lag";
import { HotHistogram, type HistogramSeries } from "./hot-histogram";

/** Buckets (seconds) for a fast JSON API: 1 ms … 10 s, dense around the 100–500 ms latency objectives. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets (seconds) for SQLite statements: 50 µs … 1 s. */
const DB_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export type TaskCounter = () => Promise<Record<string, number>>;

/**
 * Every metric TaskFlow exposes, served on the metrics port: the per-request histograms (and the request
 * counter) as HotHistograms, everything else from one prom-client registry.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration = new HotHistogram(
    METRIC_NAMES.httpDuration,
    "Time from receiving a request to sending its response, in seconds.",
    ["method", "route", "status_code"],
    HTTP_BUCKETS,
    {
      name: METRIC_NAMES.httpRequests,
      help: "HTTP requests served on the public port, by method, route template and status code.",
    },
  );
  readonly dbDuration = new HotHistogram(
    METRIC_NAMES.dbQueryDuration,
    "Database statement execution time (SQLite or PostgreSQL), in seconds, by operation.",
    ["operation"],
    DB_BUCKETS,
  );
  readonly authFailures: Counter<"reason">;
  readonly rateLimited: Counter<string>;
  readonly slowQueries: Counter<string>;

  /** route → method → status → series: keyed by the strings Fastify already holds, so no key is built. */
  private readonly requestSeries = new Map<string, Map<string, Map<number, HistogramSeries>>>();
  private readonly querySeries = new Map<string, HistogramSeries>();

  /** Count and time one public request (the hot path). */
  recordRequest(method: string, route: string, statusCode: number, seconds: number): void {
    let byMethod = this.requestSeries.get(route);
    if (!byMethod) this.requestSeries.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let series = byStatus.get(statusCode);
    if (!series) byStatus.set(statusCode, (series = this.httpDuration.seriesFor([method, route, String(statusCode)])));
    series.observe(seconds);
  }

  /** Time one SQLite statement. */
  recordQuery(operation: string, seconds: number): void {
    let series = this.querySeries.get(operation);
    if (!series) this.querySeries.set(operation, (series = this.dbDuration.seriesFor([operation])));
    series.observe(seconds);
  }

  /** The whole exposition, in the Prometheus text format. */
  async render(): Promise<string> {
    const registry = await this.registry.metrics(); // first: collecting taskflow_tasks runs (and times) a query
    return this.httpDuration.render() + this.dbDuration.render() + registry;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops the event-loop lag timer (the service's close calls it). */
  readonly stop: () => void;

  constructor(version: string, countTasks: TaskCounter) {
    const registers = [this.registry];
    // prom-client's default Node metrics, the event-loop lag sampled by a cheap timer (event-loop-lag.ts).
    this.stop = collectNodeMetrics(this.registry);
    new Gauge({
      name: METRIC_NAMES.tasks,
      help: "Tasks currently stored, by status.",
      labelNames: ["status"],
      registers,
      // The database may be down: the scrape still succeeds (so the service does not look down as well), without
      // this gauge's series rather than with stale counts; the 503s and /health say what is wrong.
      async collect() {
        try {
          const counts = await countTasks();
          for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
        } catch {
          this.reset();
        }
      },
    });
    this.authFailures = new Counter({
      name: METRIC_NAMES.authFailures,
      help: "Requests to /tasks refused with 401, by reason (missing, malformed, invalid).",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of ["missing", "malformed", "invalid"]) this.authFailures.inc({ reason }, 0);
    this.rateLimited = new Counter({
      name: METRIC_NAMES.rateLimited,
      help: "Requests refused with 429 by the per-client rate limit.",
      registers,
    });
    this.slowQueries = new Counter({
      name: METRIC_NAMES.dbSlowQueries,
      help: "Database statements (SQLite or PostgreSQL) slower than SLOW_QUERY_MS.",
      registers,
    });
    new Gauge({
      name: METRIC_NAMES.buildInfo,
      help: "Always 1; the version label identifies the running build.",
      labelNames: ["version"],
      registers,
    }).set({ version }, 1);
  }
}
