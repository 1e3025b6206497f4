/**
 * Bench-only preload (`npm run bench:collectors`, never loaded by the service): changes one continuous collector
 * in the process it is loaded into, so that a contest prices exactly that collector. BENCH_COLLECTORS names the
 * change:
 * - `no-gc`: prom-client's PerformanceObserver on `gc` entries (nodejs_gc_duration_seconds) is never attached;
 * - `native-eventloop`: a `perf_hooks.monitorEventLoopDelay({ resolution: 10 })` histogram is enabled, as
 *   prom-client's own event-loop collector did before service/src/event-loop-lag.ts replaced it;
 * - `none`: nothing changes (the control: what loading this preload alone does).
 * A process where `no-gc` finds no observer to remove exits instead of measuring nothing.
 */
"use strict";
const perf = require("node:perf_hooks");
const { isMainThread } = require("node:worker_threads");

const KNOWN = ["no-gc", "native-eventloop", "none"];
const mode = process.env.BENCH_COLLECTORS ?? "";
if (!KNOWN.includes(mode)) {
  throw new Error(`BENCH_COLLECTORS must be one of ${KNOWN.join(", ")}, got ${JSON.stringify(mode)}`);
}

// --require runs in tsx's module-loader thread too, where no service (and no prom-client) ever loads.
if (isMainThread && mode === "native-eventloop") {
  perf.monitorEventLoopDelay({ resolution: 10 }).enable();
}
if (isMainThread && mode === "no-gc") {
  let removed = false;
  const observe = perf.PerformanceObserver.prototype.observe;
  perf.PerformanceObserver.prototype.observe = function (options) {
    const fromPromClient = /[\\/]prom-client[\\/]/.test(new Error().stack ?? "");
    if (fromPromClient && (options?.entryTypes ?? [options?.type]).includes("gc")) {
      removed = true;
      return undefined;
    }
    return observe.call(this, options);
  };
  // The registry is built while the service starts: by then the observer must have been taken out.
  setTimeout(() => {
    if (!removed) {
      console.error("collector-preload: prom-client's GC observer was never seen; nothing would be measured");
      process.exit(70);
    }
  }, 15_000).unref();
}
