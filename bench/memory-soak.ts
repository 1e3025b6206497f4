/**
 * Memory under a long mixed load: does TaskFlow's memory settle after warm-up, or climb? The service runs with the
 * memory sampler preload (bench/lib/memory-sampler.cjs: process.memoryUsage() every second, the live heap after
 * every major GC) under the hard-load test's mixed reads and writes (100 connections, loopback), store by store.
 * Prints per minute RSS, heapTotal, heapUsed (median, and the minimum after a major GC), external, arrayBuffers,
 * req/s and p99, then per metric the least-squares slope after the warm-up (MiB/min, with R²) and the growth from
 * the first minute after the warm-up to the last, and the hard-load test's criterion replayed over windows of the
 * run (how far its figures move with no leak: what its limits rest on); writes bench/results/memory-soak.json.
 *
 *   npm run bench:memory [-- --minutes 5 --warmup 1 --store sqlite|postgres|both --connections 100]
 *
 * Run it alone: the service, PostgreSQL and the load generator share the machine, unpinned, as in the test.
 * Also what tests/service/hard-load.test.ts shares: mixedLoad, the sampler's options and reader, memoryWindow.
 */
import autocannon from "autocannon";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { startPostgres, type PostgresServer } from "../testkit/postgres-server";
import { createTasks, startService, tempDir, REPO_ROOT, type ServiceProcess } from "../testkit/service-process";
import { BENCH_ENV, RESULTS_DIR, machine, median, printTable, runMain } from "./lib/common";

export const SAMPLER = join(REPO_ROOT, "bench", "lib", "memory-sampler.cjs");
export const CONNECTIONS = 100;
const MiB = 2 ** 20;

/** A mix of writes (create, patch) and reads (get by id, filtered list) against ids seeded beforehand. */
export function mixedLoad(url: string, token: string, ids: string[], seconds: number, connections = CONNECTIONS) {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  let n = 0;
  const pick = () => ids[n++ % ids.length];
  return autocannon({
    url,
    connections,
    duration: seconds,
    headers,
    requests: [
      {
        method: "POST",
        path: "/tasks",
        setupRequest: (r) => ({ ...r, body: JSON.stringify({ title: `load ${n++}` }) }),
      },
      { method: "GET", setupRequest: (r) => ({ ...r, path: `/tasks/${pick()}` }) },
      { method: "GET", path: "/tasks?limit=20&status=todo" },
      {
        method: "PATCH",
        setupRequest: (r) => ({ ...r, path: `/tasks/${pick()}`, body: JSON.stringify({ status: "in_progress" }) }),
      },
      { method: "GET", setupRequest: (r) => ({ ...r, path: `/tasks/${pick()}` }) },
    ],
  });
}

/** One line of the sampler: process.memoryUsage() at time t (ms since the epoch), in bytes. */
export interface MemorySample {
  t: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}
/** After a major GC: heapUsed, and old + large-object space alone (the live heap), in bytes; the pause in ms. */
export interface GcSample {
  t: number;
  ms: number;
  heapUsed: number;
  old: number;
}

/**
 * startService options that load the sampler, writing to a fresh file in `dir` (default: a new temporary
 * directory); read() parses what it has written.
 */
export function memorySampler(intervalMs = 1000, dir = tempDir("memory-samples-")) {
  const file = join(dir, "samples.jsonl");
  return {
    file,
    nodeArgs: ["--require", SAMPLER],
    env: { MEMORY_SAMPLES_FILE: file, MEMORY_SAMPLE_MS: String(intervalMs) },
    read: () => readMemorySamples(file),
  };
}

export function readMemorySamples(file: string): { samples: MemorySample[]; gcs: GcSample[] } {
  const samples: MemorySample[] = [];
  const gcs: GcSample[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    const { type, ...r } = JSON.parse(line) as { type: string } & MemorySample & GcSample;
    if (type === "sample") samples.push(r);
    else if (type === "gc") gcs.push(r);
  }
  return { samples, gcs };
}

/** Least-squares line through (x, y): slope, intercept and R² (the share of y's variance the line explains). */
export function fitLine(xs: number[], ys: number[]): { slope: number; intercept: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : NaN;
  return { slope, intercept: my - slope * mx, r2: sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : 0 };
}

/** RSS outside the JS heap: what V8's heap sizing does not move (native allocations, code, the SQLite cache). */
export const outsideHeap = (s: MemorySample) => s.rss - s.heapTotal;

const between = <T extends { t: number }>(xs: T[], from: number, to: number) =>
  xs.filter((x) => x.t >= from && x.t < to);

/**
 * The memory window tests/service/hard-load.test.ts measures after its warm-up: at least `seconds` of load and at
 * least `minMajorGcs` major GCs (the load goes on in 5 s steps until then, up to `maxSeconds`).
 */
export const TEST_WINDOW = { seconds: 30, minMajorGcs: 12, maxSeconds: 90, edgeSamples: 10 };

/**
 * Memory over [from, to), in MiB, as the hard-load test judges it: the live-heap trough (the lowest old space after
 * a major GC) in the first and in the last third of the major GCs, and the medians of RSS − heapTotal over the
 * first and the last `edgeSamples` samples.
 */
export function memoryWindow(samples: MemorySample[], gcs: GcSample[], from: number, to: number) {
  const g = between(gcs, from, to);
  const s = between(samples, from, to);
  const third = Math.floor(g.length / 3);
  const trough = (xs: GcSample[]) => (xs.length ? Math.min(...xs.map((x) => x.old)) / MiB : NaN);
  const outside = (xs: MemorySample[]) => median(xs.map(outsideHeap)) / MiB;
  const n = TEST_WINDOW.edgeSamples;
  return {
    majorGcs: g.length,
    samples: s.length,
    troughFirst: trough(g.slice(0, third)),
    troughLast: trough(third ? g.slice(-third) : []),
    outsideFirst: outside(s.slice(0, n)),
    outsideLast: outside(s.slice(-n)),
  };
}

/**
 * The test's criterion replayed over a soak run: a window starting every 5 s from `from`, each as long as the test's
 * would be; the largest and the typical growth of the trough and of RSS − heapTotal (MiB), with no leak present.
 */
function replayTestWindows(samples: MemorySample[], gcs: GcSample[], from: number, end: number) {
  const trough: number[] = [];
  const outside: number[] = [];
  for (let a = from; ; a += 5000) {
    let e = a + TEST_WINDOW.seconds * 1000;
    while (between(gcs, a, e).length < TEST_WINDOW.minMajorGcs && e < a + TEST_WINDOW.maxSeconds * 1000) e += 5000;
    if (e > end) break;
    const w = memoryWindow(samples, gcs, a, e);
    if (Number.isFinite(w.troughLast - w.troughFirst)) trough.push(w.troughLast - w.troughFirst);
    outside.push(w.outsideLast - w.outsideFirst);
  }
  const sd = (xs: number[]) => {
    const m = xs.reduce((a, x) => a + x, 0) / xs.length;
    return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length);
  };
  return {
    windows: outside.length,
    trough_growth_max_mib: r2(Math.max(...trough)),
    trough_growth_sd_mib: r2(sd(trough)),
    outside_heap_growth_max_mib: r2(Math.max(...outside)),
    outside_heap_growth_sd_mib: r2(sd(outside)),
  };
}

type Metric =
  "rss" | "outsideHeap" | "heapTotal" | "heapUsed" | "postGcHeapUsed" | "postGcOld" | "external" | "arrayBuffers";
const METRICS: Metric[] = [
  "rss",
  "outsideHeap",
  "heapTotal",
  "heapUsed",
  "postGcHeapUsed",
  "postGcOld",
  "external",
  "arrayBuffers",
];
const SAMPLED = ["rss", "heapTotal", "heapUsed", "external", "arrayBuffers"] as const;

/** Points (minutes since the load started, MiB) of one metric: sampled every second, or after each major GC. */
function series(metric: Metric, samples: MemorySample[], gcs: GcSample[], start: number): [number, number][] {
  const at = (t: number) => (t - start) / 60_000;
  if (metric === "postGcHeapUsed") return gcs.map((g) => [at(g.t), g.heapUsed / MiB]);
  if (metric === "postGcOld") return gcs.map((g) => [at(g.t), g.old / MiB]);
  if (metric === "outsideHeap") return samples.map((s) => [at(s.t), outsideHeap(s) / MiB]);
  return samples.map((s) => [at(s.t), s[metric] / MiB]);
}

/** A minute's figure: the median of the sampled metrics, the minimum of the post-GC ones (the trough). */
function minuteFigure(metric: Metric, points: [number, number][], minute: number): number | null {
  const ys = points.filter(([x]) => x >= minute && x < minute + 1).map(([, y]) => y);
  if (ys.length === 0) return null;
  return metric.startsWith("postGc") ? Math.min(...ys) : median(ys);
}

const r1 = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Run the soak on one store: per-minute figures and, per metric, the verdict after the warm-up. */
async function soak(store: "sqlite" | "postgres", pg: PostgresServer | undefined, flags: Flags) {
  // The samples and the SQLite file in one temporary directory, removed afterwards.
  const work = tempDir("memory-soak-");
  const sampler = memorySampler(1000, work);
  try {
    const env: Record<string, string> =
      store === "postgres" ? { DATABASE_URL: await pg!.createDatabase(`soak_${Date.now()}`) } : {};
    const svc = await startService({
      env: { ...BENCH_ENV, ...sampler.env, ...env },
      nodeArgs: sampler.nodeArgs,
      dbPath: join(work, "taskflow.db"),
    });
    try {
      return await measure(store, svc, sampler, flags);
    } finally {
      await svc.stop("SIGTERM");
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Load the service for `flags.minutes`, then read its samples: per-minute figures, verdicts, the test's windows. */
async function measure(
  store: "sqlite" | "postgres",
  svc: ServiceProcess,
  sampler: ReturnType<typeof memorySampler>,
  flags: Flags,
) {
  const load1 = loadavg()[0];
  const ids = await createTasks(svc, 200, "seed");
  const start = Date.now();
  const perMinute: { rps: number; p99: number; failed: number }[] = [];
  for (let m = 0; m < flags.minutes; m++) {
    const r = await mixedLoad(svc.publicUrl, svc.token, ids, 60, flags.connections);
    perMinute.push({ rps: r.requests.average, p99: r.latency.p99, failed: r.non2xx + r.errors + r.timeouts });
    console.log(`  ${store} minute ${m + 1}/${flags.minutes}: ${Math.round(r.requests.average)} req/s`);
  }
  const end = Date.now();
  const { samples, gcs } = sampler.read();
  const inLoad = <T extends { t: number }>(xs: T[]) => xs.filter((x) => x.t >= start && x.t <= end);
  const [s, g] = [inLoad(samples), inLoad(gcs)];
  const points = Object.fromEntries(METRICS.map((k) => [k, series(k, s, g, start)])) as Record<
    Metric,
    [number, number][]
  >;
  const minutes = perMinute.map((pm, m) => ({
    minute: m + 1,
    rps: Math.round(pm.rps),
    p99_ms: pm.p99,
    failed: pm.failed,
    major_gcs: g.filter((x) => x.t >= start + m * 60_000 && x.t < start + (m + 1) * 60_000).length,
    mib: Object.fromEntries(METRICS.map((k) => [k, r1(minuteFigure(k, points[k], m))])) as Record<
      Metric,
      number | null
    >,
  }));
  const verdict = Object.fromEntries(
    METRICS.map((k) => {
      const after = points[k].filter(([x]) => x >= flags.warmup);
      const f = fitLine(
        after.map(([x]) => x),
        after.map(([, y]) => y),
      );
      const first = minuteFigure(k, points[k], flags.warmup);
      const last = minuteFigure(k, points[k], flags.minutes - 1);
      const ys = after.map(([, y]) => y);
      return [
        k,
        {
          slope_mib_per_min: r3(f.slope),
          r2: r3(f.r2),
          points: after.length,
          first_mib: r1(first),
          last_mib: r1(last),
          growth_pct: first && last ? r1((last / first - 1) * 100) : null,
          min_mib: r1(Math.min(...ys)),
          max_mib: r1(Math.max(...ys)),
        },
      ];
    }),
  );
  // Every 10 s after the load started: to choose the test's windows from.
  const tenSeconds = Array.from({ length: flags.minutes * 6 }, (_, i) => {
    const from = start + i * 10_000;
    const within = <T extends { t: number }>(xs: T[]) => xs.filter((x) => x.t >= from && x.t < from + 10_000);
    const gin = within(g);
    return {
      t_s: i * 10,
      ...Object.fromEntries(SAMPLED.map((k) => [`${k}_mib`, r1(median(within(s).map((x) => x[k] / MiB)))])),
      outside_heap_mib: r1(median(within(s).map((x) => outsideHeap(x) / MiB))),
      post_gc_old_mib: gin.length ? r1(Math.min(...gin.map((x) => x.old / MiB))) : null,
      post_gc_heap_used_mib: gin.length ? r1(Math.min(...gin.map((x) => x.heapUsed / MiB))) : null,
    };
  });
  return {
    store,
    loadavg_1m_at_start: r1(load1),
    samples: s.length,
    major_gcs: g.length,
    major_gc_pause_ms_median: r1(median(g.map((x) => x.ms))),
    minutes,
    verdict,
    test_windows: replayTestWindows(s, g, start + flags.warmup * 60_000, end),
    ten_seconds: tenSeconds,
  };
}

const DEFAULTS = { minutes: 5, warmup: 1, connections: CONNECTIONS, store: "both" as "sqlite" | "postgres" | "both" };
type Flags = typeof DEFAULTS;

function parseFlags(argv: string[]): Flags {
  const f: Flags = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, v] = [argv[i].replace(/^--/, ""), argv[i + 1]];
    if (key === "store") {
      if (v !== "sqlite" && v !== "postgres" && v !== "both") throw new Error(`--store sqlite|postgres|both, got ${v}`);
      f.store = v;
    } else if (key === "minutes" || key === "warmup" || key === "connections") {
      const n = Number(v);
      if (!Number.isInteger(n) || n < (key === "warmup" ? 0 : 1))
        throw new Error(`--${key} needs an integer, got ${v}`);
      f[key] = n;
    } else {
      throw new Error(`unknown flag ${argv[i]}: allowed flags are --minutes, --warmup, --store, --connections`);
    }
  }
  if (f.minutes < f.warmup + 2) throw new Error("--minutes must leave at least 2 minutes after --warmup");
  return f;
}

const LABELS: Record<Metric, string> = {
  rss: "RSS",
  outsideHeap: "RSS − heapTotal",
  heapTotal: "heapTotal",
  heapUsed: "heapUsed",
  postGcHeapUsed: "heapUsed after major GC",
  postGcOld: "old space after major GC",
  external: "external",
  arrayBuffers: "arrayBuffers",
};

runMain(module, async () => {
  const flags = parseFlags(process.argv.slice(2));
  const stores = flags.store === "both" ? (["sqlite", "postgres"] as const) : [flags.store];
  console.log(`machine: ${JSON.stringify(machine())}; load average ${loadavg().map(r1).join(" ")}`);
  const pg = stores.includes("postgres") ? await startPostgres() : undefined;
  const results = [];
  try {
    for (const store of stores) {
      console.log(`${store}: ${flags.minutes} min at ${flags.connections} connections, mixed reads and writes`);
      results.push(await soak(store, pg, flags));
    }
  } finally {
    await pg?.close();
  }
  for (const r of results) {
    printTable(
      `${r.store}: per minute (MiB; medians of 1 s samples, "min after GC" = lowest after a major GC)`,
      r.minutes.map((m) => ({
        min: m.minute,
        "req/s": m.rps,
        "p99 ms": m.p99_ms,
        RSS: m.mib.rss,
        "RSS − heapTotal": m.mib.outsideHeap,
        heapTotal: m.mib.heapTotal,
        heapUsed: m.mib.heapUsed,
        "heapUsed min after GC": m.mib.postGcHeapUsed,
        "old min after GC": m.mib.postGcOld,
        external: m.mib.external,
        arrayBuffers: m.mib.arrayBuffers,
        "major GCs": m.major_gcs,
      })),
    );
    console.log(`${r.store}: after ${flags.warmup} min of warm-up (least squares over every point after it):`);
    const w = r.test_windows;
    for (const k of METRICS) {
      const v = r.verdict[k];
      console.log(
        `  ${LABELS[k].padEnd(24)} slope ${String(v.slope_mib_per_min).padStart(7)} MiB/min (R² ${v.r2}, ${v.points} points); ` +
          `minute ${flags.warmup + 1} → ${flags.minutes}: ${v.first_mib} → ${v.last_mib} MiB (${v.growth_pct} %); range ${v.min_mib}–${v.max_mib}`,
      );
    }
    console.log(
      `  hard-load test's windows (${TEST_WINDOW.seconds} s and ≥ ${TEST_WINDOW.minMajorGcs} major GCs, one every 5 s, ${w.windows}): ` +
        `live-heap trough growth max ${w.trough_growth_max_mib} MiB (sd ${w.trough_growth_sd_mib}), ` +
        `RSS − heapTotal growth max ${w.outside_heap_growth_max_mib} MiB (sd ${w.outside_heap_growth_sd_mib})`,
    );
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    join(RESULTS_DIR, "memory-soak.json"),
    JSON.stringify({ machine: machine(), flags, stores: results, measured_at: new Date().toISOString() }, null, 2) +
      "\n",
  );
  const failed = results.reduce((a, r) => a + r.minutes.reduce((b, m) => b + m.failed, 0), 0);
  if (failed > 0) throw new Error(`${failed} requests failed: see the table`);
});
