import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  memorySampler,
  memoryWindow,
  mixedLoad,
  outsideHeap,
  TEST_WINDOW,
  type MemorySample,
} from "../../bench/memory-soak";
import { createTasks, startService, type ServiceProcess } from "../../testkit/service-process";
import { STORES, storeEnv } from "../helpers/stores";

// What the memory criterion rests on: `npm run bench:memory` (bench/memory-soak.ts, bench/results/memory-soak.json):
// this load for 5 minutes per store (and 15 on SQLite), process.memoryUsage() every second and the heap left by
// every major GC (v8.GCProfiler, 20–35 such GCs a minute). RSS itself is the wrong signal: it is memory outside the
// JS heap (≈ 92–99 MiB on SQLite, ≈ 68 MiB on PostgreSQL) plus heapTotal, and heapTotal is V8 sizing its
// generations to the allocation rate (61–115 MiB), so RSS swung 154–212 MiB without a trend (slope +0.03 MiB/min
// over 14 minutes). After the warm-up both parts are flat on their own:
// - the live JS heap (old + large-object space after a major GC): 15.1–16.3 MiB in every minute of every run;
// - RSS − heapTotal: within ±1 MiB of its level (+0.08 MiB/min over 14 minutes); on SQLite it first climbs
//   ≈ 11–14 MiB for 40–60 s while the service's SQLite page cache (16 MB) fills with new rows.
// Replaying this test's windows over those runs (every 5 s), the trough grew by at most 2.1 MiB and RSS − heapTotal
// by at most 2.0 MiB (a big heap resize leaves ≈ 2.5 MiB of native memory that decays over a minute), so the limits
// are 3 and 4 MiB. The windows compared lie ≈ 20 s apart: a leak of ≥ 9 MiB/min of JS objects or ≥ 12 MiB/min of
// native memory fails (≈ 30 bytes per request on SQLite, ≈ 150 on PostgreSQL, at their rates here).
// The warm-up ends once memory outside the heap grew by under 1 MiB over the last 15 s (3 steps). Judged step by step
// (1 MiB per 5 s), a service slowed by a busy machine filled SQLite's page cache slowly enough to pass for settled
// at 25 s, and then grew 8.8 MiB while measured (a fresh-clone run beside the rehearsal).
const WARMUP = { stepS: 5, minS: 30, maxS: 150, settledMiB: 1, settledSteps: 3 };
// Then at least 30 s and 12 major GCs (a service slowed by a busy machine collects less often: up to 90 s).
const { seconds: MEASURE_S, minMajorGcs: MIN_MAJOR_GCS, maxSeconds: MAX_MEASURE_S } = TEST_WINDOW;
const TROUGH_GROWTH_MIB = 3;
const OUTSIDE_HEAP_GROWTH_MIB = 4;
// A backstop, not the criterion: the highest RSS in the soak runs was 212 MiB.
const RSS_CEILING_MIB = 320;

const MiB = 2 ** 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const outside = (s: MemorySample) => outsideHeap(s) / MiB;
const between = <T extends { t: number }>(xs: T[], from: number, to: number) =>
  xs.filter((x) => x.t >= from && x.t < to);
const mib = (x: number) => x.toFixed(1);

// The SQLite file lives on tmpfs. This test judges memory and 2xx answers under load, not durability
// (hard-durability.test.ts does that, on disk). On disk, beside the rehearsal's image builds, one group commit's fsync
// blocked the event loop for 1.1 s, and the service shed load as designed: a 503 "server is saturated
// (eventLoopDelay: 1098 ms)" failed the seeding in a fresh-clone run.
const dbDir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "taskflow-load-"));

/**
 * Fill the service's SQLite page cache (16 MiB) before the warm-up: 100 000 rows (≈ 30 MiB) written beside it, then
 * read end to end through the API. Left to the load, the cache fills with the rows it writes: ≈ 40–60 s at this
 * machine's quiet rate, minutes on a busy one, and a fresh-clone run beside the rehearsal read that bounded fill
 * as growth (+12 MiB outside the heap after a flat 30 s warm-up). A full cache grows no more.
 */
async function fillPageCache(svc: ServiceProcess, dbPath: string): Promise<void> {
  const db = new Database(dbPath);
  try {
    db.pragma("busy_timeout = 10000");
    const insert = db.prepare(
      "INSERT INTO tasks (id, title, description, status, priority, created_at, updated_at) VALUES (?, ?, ?, 'done', 'low', ?, ?)",
    );
    const t0 = Date.parse("2020-01-01T00:00:00Z");
    db.transaction(() => {
      for (let i = 0; i < 100_000; i++) {
        const ts = new Date(t0 + i).toISOString();
        insert.run(randomUUID(), `bulk ${i}`, "x".repeat(200), ts, ts);
      }
    })();
  } finally {
    db.close();
  }
  for (let cursor: string | null = ""; cursor !== null;) {
    const r = await fetch(`${svc.publicUrl}/tasks?limit=100${cursor ? `&cursor=${cursor}` : ""}`, {
      headers: svc.authHeaders,
    });
    expect(r.status).toBe(200);
    cursor = ((await r.json()) as { nextCursor: string | null }).nextCursor;
  }
}

let svc: ServiceProcess | undefined;
afterAll(async () => {
  await svc?.kill();
  rmSync(dbDir, { recursive: true, force: true });
});

describe.each(STORES)("load, %s store: 100 connections, mixed reads and writes", (kind) => {
  it("serves every request 2xx, prints p99, and neither the live heap nor memory outside it climbs", async () => {
    await svc?.kill();
    const sampler = memorySampler();
    const dbPath = join(dbDir, `${kind}.db`);
    svc = await startService({
      dbPath,
      env: { RATE_LIMIT_PER_MINUTE: "10000000", LOG_LEVEL: "warn", ...sampler.env, ...(await storeEnv(kind)) },
      nodeArgs: sampler.nodeArgs,
    });
    const ids = await createTasks(svc, 200, "seed"); // each answered 201
    if (kind === "sqlite") await fillPageCache(svc, dbPath);
    const load = (seconds: number) => mixedLoad(svc!.publicUrl, svc!.token, ids, seconds);
    /** What went wrong in a load step, for the assertion's message: the counts, the status codes, the service's end. */
    const failures = (r: Awaited<ReturnType<typeof load>>) =>
      `non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}, status codes ` +
      `${JSON.stringify(r.statusCodeStats)}, service exit ${JSON.stringify(svc!.proc.exitCode)}, its last log ` +
      `lines:\n${svc!.logs().slice(-5).join("\n")}`;

    // Warm-up: in 5 s steps until memory outside the JS heap stops climbing (a step's median within 1 MiB of the
    // one 15 s before), at least 30 s (the live heap settles by then) and at most 150 s.
    const steps: number[] = [];
    while (steps.length * WARMUP.stepS < WARMUP.maxS) {
      const from = Date.now();
      const warm = await load(WARMUP.stepS);
      expect(warm.non2xx + warm.errors + warm.timeouts, failures(warm)).toBe(0);
      steps.push(median(between(sampler.read().samples, from, Date.now()).map(outside)));
      const settled =
        steps.length > WARMUP.settledSteps && steps.at(-1)! - steps.at(-1 - WARMUP.settledSteps)! < WARMUP.settledMiB;
      if (steps.length * WARMUP.stepS >= WARMUP.minS && settled) break;
    }

    const start = Date.now();
    const result = await load(MEASURE_S);
    const gcsSince = () => sampler.read().gcs.filter((g) => g.t >= start).length;
    while (gcsSince() < MIN_MAJOR_GCS && Date.now() - start < MAX_MEASURE_S * 1000) {
      const more = await load(5);
      expect(more.non2xx + more.errors + more.timeouts, failures(more)).toBe(0);
    }
    const end = Date.now();
    const { samples: all, gcs: allGcs } = sampler.read();
    const samples = all.filter((s) => s.t >= start && s.t < end);
    expect(samples.length).toBeGreaterThanOrEqual(MEASURE_S - 3);
    // The live heap: the lowest old space after a major GC in the first and in the last third of them. RSS outside
    // it (RSS − heapTotal): medians of the first and the last 10 s.
    const w = memoryWindow(all, allGcs, start, end);
    const rss = samples.map((s) => s.rss / MiB);
    const heapTotal = samples.map((s) => s.heapTotal / MiB);
    console.log(
      `load (${kind}): ${result.requests.total} requests in ${MEASURE_S} s (${Math.round(result.requests.average)} req/s), ` +
        `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms; ` +
        `non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}; ` +
        `warm-up ${steps.length * WARMUP.stepS} s (RSS − heapTotal medians ${steps.map(mib).join(" → ")} MiB); ` +
        `memory over ${Math.round((end - start) / 1000)} s: live heap after major GC (${w.majorGcs} GCs) ` +
        `${mib(w.troughFirst)} → ${mib(w.troughLast)} MiB (limit +${TROUGH_GROWTH_MIB}), ` +
        `RSS − heapTotal ${mib(w.outsideFirst)} → ${mib(w.outsideLast)} MiB (limit +${OUTSIDE_HEAP_GROWTH_MIB}), ` +
        `RSS ${mib(Math.min(...rss))}–${mib(Math.max(...rss))} MiB ` +
        `(ceiling ${RSS_CEILING_MIB}), heapTotal ${mib(Math.min(...heapTotal))}–${mib(Math.max(...heapTotal))} MiB; ` +
        `status codes ${JSON.stringify(result.statusCodeStats)}`,
    );
    expect(result.requests.total).toBeGreaterThan(1000);
    expect(result.non2xx).toBe(0);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    // A fast leak makes V8 grow the heap rather than collect it: fewer than 3 major GCs leave no troughs to compare.
    expect(w.majorGcs, "major GCs while measuring (heapTotal in the log)").toBeGreaterThanOrEqual(3);
    expect(w.troughLast - w.troughFirst, "live heap growth after major GC, MiB").toBeLessThanOrEqual(TROUGH_GROWTH_MIB);
    expect(w.outsideLast - w.outsideFirst, "RSS − heapTotal growth, MiB").toBeLessThanOrEqual(OUTSIDE_HEAP_GROWTH_MIB);
    expect(Math.max(...rss), "RSS, MiB").toBeLessThanOrEqual(RSS_CEILING_MIB);
    expect(svc.logs().filter((l) => /"level":50/.test(l))).toEqual([]);
  }, 300_000);
});
