/**
 * Memory sampler preload (`npm run bench:memory` and tests/service/hard-load.test.ts; never loaded by the service in
 * production): `node --require bench/lib/memory-sampler.cjs`, or startService's `nodeArgs`. Inert unless
 * MEMORY_SAMPLES_FILE names a file, to which it appends, every MEMORY_SAMPLE_MS (default 1000) ms from an unref'd
 * timer, JSON lines (`t` in ms since the epoch, sizes in bytes):
 * - `{"type":"sample", t, rss, heapTotal, heapUsed, external, arrayBuffers}`: process.memoryUsage();
 * - `{"type":"gc", t, ms, heapUsed, old}` for each major (mark-compact) GC since the previous tick: the heap V8
 *   reports at the end of that collection, `old` being old space + large-object space, i.e. the live heap, the
 *   trough of the sawtooth (a leak shows as troughs that climb); `ms` its pause; `t` the tick that read it.
 * The GC figures come from v8.GCProfiler, which records the heap inside V8's GC callbacks. A PerformanceObserver
 * on `gc` entries would read it later, in a callback behind the event loop's queue, after the young generation
 * has promoted more objects: up to +3.5 MiB over the true trough under load here, more on a busy machine.
 * Writes are synchronous appends of a few hundred bytes a second.
 */
"use strict";
const { openSync, writeSync } = require("node:fs");
const { setInterval } = require("node:timers");
const { GCProfiler } = require("node:v8");
const { isMainThread } = require("node:worker_threads");

const file = process.env.MEMORY_SAMPLES_FILE;
const intervalMs = Number(process.env.MEMORY_SAMPLE_MS ?? 1000);
if (file && !(Number.isFinite(intervalMs) && intervalMs >= 10)) {
  throw new Error(`MEMORY_SAMPLE_MS must be a number of milliseconds ≥ 10, got ${process.env.MEMORY_SAMPLE_MS}`);
}

// --require runs in tsx's module-loader thread too, whose heap is not the service's.
if (file && isMainThread) {
  const fd = openSync(file, "a");
  const write = (record) => writeSync(fd, JSON.stringify(record) + "\n");
  const OLD = new Set(["old_space", "large_object_space"]);
  let profiler = new GCProfiler();
  profiler.start();

  const tick = () => {
    const t = Date.now();
    // Harvest the collections since the last tick and start recording the next ones at once.
    const { statistics } = profiler.stop();
    profiler = new GCProfiler();
    profiler.start();
    for (const gc of statistics) {
      if (gc.gcType !== "MarkSweepCompact") continue;
      const after = gc.afterGC;
      const old = after.heapSpaceStatistics
        .filter((s) => OLD.has(s.spaceName))
        .reduce((a, s) => a + s.spaceUsedSize, 0);
      write({ type: "gc", t, ms: Math.round(gc.cost / 10) / 100, heapUsed: after.heapStatistics.usedHeapSize, old });
    }
    const m = process.memoryUsage();
    write({
      type: "sample",
      t,
      rss: m.rss,
      heapTotal: m.heapTotal,
      heapUsed: m.heapUsed,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
    });
  };
  tick();
  setInterval(tick, intervalMs).unref();
}
