/**
 * prom-client's default Node metrics, with one collector replaced: `nodejs_eventloop_lag_*` is sampled by a
 * JavaScript timer instead of `perf_hooks.monitorEventLoopDelay`.
 *
 * Why: measured by contest under load (README, Performance), the native delay monitor cost TaskFlow 3–8 % of its
 * throughput, whatever its sampling rate, while a 10 ms JavaScript timer cost nothing measurable. Every name,
 * type and help text stays prom-client's (a test compares the two expositions), and so do the semantics: each
 * sample is the whole time between two ticks of a `resolutionMs` timer (the interval plus the loop's delay, as
 * the native histogram records it), `nodejs_eventloop_lag_seconds` is the time a `setImmediate` takes at scrape
 * time (set when it fires, so a scrape shows the previous one's, as prom-client does), and the min/max/mean/
 * stddev/percentiles cover the samples since the previous scrape.
 *
 * The other default collectors are prom-client's own modules, registered in prom-client's order
 * (`collectDefaultMetrics.metricsList`, pinned 15.1.3; a test fails if a new version changes that list).
 */
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { Gauge, type Registry } from "prom-client";

const load = createRequire(__filename);

/** prom-client 15.1.3's default collectors, in its order, with ours in place of `eventLoopLag`. */
export const DEFAULT_COLLECTORS = [
  "processCpuTotal",
  "processStartTime",
  "osMemoryHeap",
  "processOpenFileDescriptors",
  "processMaxFileDescriptors",
  "eventLoopLag",
  "processResources",
  "processHandles",
  "processRequests",
  "heapSizeAndUsed",
  "heapSpacesSizeAndUsed",
  "version",
  "gc",
] as const;

/** Samples kept for the percentiles between two scrapes (at 10 ms, 80 s of them); min/max/mean see them all. */
const RING = 8192;

/** The timer's samples since the last scrape: running sums for the moments, a ring for the percentiles. */
class LagSamples {
  private readonly ring = new Float64Array(RING);
  count = 0;
  private sum = 0;
  private sumSquares = 0;
  min = Infinity;
  max = 0;

  add(seconds: number): void {
    this.ring[this.count % RING] = seconds;
    this.count++;
    this.sum += seconds;
    this.sumSquares += seconds * seconds;
    if (seconds < this.min) this.min = seconds;
    if (seconds > this.max) this.max = seconds;
  }

  get mean(): number {
    return this.sum / this.count;
  }

  get stddev(): number {
    return Math.sqrt(Math.max(0, this.sumSquares / this.count - this.mean ** 2));
  }

  /** Nearest-rank percentiles of the kept samples. */
  percentiles(ps: number[]): number[] {
    const sorted = this.ring.slice(0, Math.min(this.count, RING)).sort();
    return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
  }

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.sumSquares = 0;
    this.min = Infinity;
    this.max = 0;
  }
}

/** Register the event-loop lag gauges and start their timer; returns what stops it. */
function eventLoopLag(registry: Registry, resolutionMs: number): () => void {
  const samples = new LagSamples();
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    samples.add((now - last) / 1000);
    last = now;
  }, resolutionMs);
  timer.unref();

  const registers = [registry];
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
  // Created before the gauges it sets, as prom-client orders them.
  const stats: [Gauge, (s: LagSamples, p: number[]) => number][] = [];
  const lag = new Gauge({
    name: "nodejs_eventloop_lag_seconds",
    help: "Lag of event loop in seconds.",
    registers,
    collect() {
      const start = process.hrtime.bigint();
      setImmediate(() => lag.set(Number(process.hrtime.bigint() - start) / 1e9));
      if (samples.count === 0) return; // nothing new since the last scrape: the gauges keep their values
      const p = samples.percentiles([50, 90, 99]);
      for (const [g, value] of stats) g.set(value(samples, p));
      samples.reset();
    },
  });
  stats.push(
    [gauge("nodejs_eventloop_lag_min_seconds", "The minimum recorded event loop delay."), (s) => s.min],
    [gauge("nodejs_eventloop_lag_max_seconds", "The maximum recorded event loop delay."), (s) => s.max],
    [gauge("nodejs_eventloop_lag_mean_seconds", "The mean of the recorded event loop delays."), (s) => s.mean],
    [
      gauge("nodejs_eventloop_lag_stddev_seconds", "The standard deviation of the recorded event loop delays."),
      (s) => s.stddev,
    ],
    [
      gauge("nodejs_eventloop_lag_p50_seconds", "The 50th percentile of the recorded event loop delays."),
      (_, p) => p[0],
    ],
    [
      gauge("nodejs_eventloop_lag_p90_seconds", "The 90th percentile of the recorded event loop delays."),
      (_, p) => p[1],
    ],
    [
      gauge("nodejs_eventloop_lag_p99_seconds", "The 99th percentile of the recorded event loop delays."),
      (_, p) => p[2],
    ],
  );
  return () => clearInterval(timer);
}

/**
 * Every default Node metric into `registry`, as `collectDefaultMetrics({ register: registry })` would, except the
 * event-loop lag collector (above). Returns what stops its timer.
 */
export function collectNodeMetrics(registry: Registry, resolutionMs = 10): () => void {
  let stop = () => {};
  for (const name of DEFAULT_COLLECTORS) {
    if (name === "eventLoopLag") {
      stop = eventLoopLag(registry, resolutionMs);
      continue;
    }
    // As collectDefaultMetrics: processResources only where Node has getActiveResourcesInfo.
    if (name === "processResources" && typeof process.getActiveResourcesInfo !== "function") continue;
    (load(`prom-client/lib/metrics/${name}`) as (r: Registry, c: object) => void)(registry, {});
  }
  return stop;
}
