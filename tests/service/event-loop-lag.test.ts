/**
 * The default Node metrics with the event-loop lag sampled by a JavaScript timer (service/src/event-loop-lag.ts):
 * the same names, help texts, types and order as prom-client's own collectDefaultMetrics, the native delay monitor
 * never started, values that follow the loop (a blocked loop shows in max), and a timer that stops.
 */
import { createRequire } from "node:module";
import { collectDefaultMetrics, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { collectNodeMetrics, DEFAULT_COLLECTORS } from "../../service/src/event-loop-lag";
import { parseMetrics, sample } from "../helpers/prom-text";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** `# HELP` and `# TYPE` lines in order: what a scraper learns about each metric. */
const metadata = (text: string) => text.split("\n").filter((l) => l.startsWith("# HELP") || l.startsWith("# TYPE"));

describe("default Node metrics with the timer-sampled event-loop lag", () => {
  it("expose exactly prom-client's names, help texts, types and order", async () => {
    const theirs = new Registry();
    collectDefaultMetrics({ register: theirs });
    const ours = new Registry();
    const stop = collectNodeMetrics(ours);
    try {
      expect(metadata(await ours.metrics())).toEqual(metadata(await theirs.metrics()));
      expect(metadata(await ours.metrics()).filter((l) => l.includes("eventloop_lag"))).toHaveLength(16);
    } finally {
      stop();
    }
  });

  it("follow prom-client's own collector list (a new prom-client with other collectors fails here)", () => {
    expect([...DEFAULT_COLLECTORS]).toEqual(
      (collectDefaultMetrics as unknown as { metricsList: string[] }).metricsList,
    );
  });

  it("never start the native event-loop delay monitor", () => {
    const perf = createRequire(__filename)("node:perf_hooks") as typeof import("node:perf_hooks");
    const original = perf.monitorEventLoopDelay;
    let calls = 0;
    perf.monitorEventLoopDelay = ((o?: { resolution?: number }) => {
      calls++;
      return original(o);
    }) as typeof original;
    try {
      collectNodeMetrics(new Registry())();
      expect(calls).toBe(0);
      // The spy itself works: prom-client's collector calls it.
      collectDefaultMetrics({ register: new Registry() });
      expect(calls).toBe(1);
    } finally {
      perf.monitorEventLoopDelay = original;
    }
  });

  it("measure the loop: ticks of about the resolution, ordered percentiles, a blocked loop in max; stop stops", async () => {
    const registry = new Registry();
    const stop = collectNodeMetrics(registry, 10);
    const lag = async () => {
      const m = parseMetrics(await registry.metrics());
      return Object.fromEntries(
        ["min", "p50", "p90", "p99", "max", "mean", "stddev"].map((k) => [
          k,
          sample(m, `nodejs_eventloop_lag_${k}_seconds`, {}),
        ]),
      );
    };
    try {
      await sleep(300);
      const idle = await lag();
      expect(idle.mean).toBeGreaterThanOrEqual(0.009);
      expect(idle.mean).toBeLessThan(0.1);
      expect(idle.min).toBeLessThanOrEqual(idle.p50);
      expect(idle.p50).toBeLessThanOrEqual(idle.p90);
      expect(idle.p90).toBeLessThanOrEqual(idle.p99);
      expect(idle.p99).toBeLessThanOrEqual(idle.max);
      const until = Date.now() + 200;
      while (Date.now() < until); // the loop blocked for 200 ms
      await sleep(50);
      const blocked = await lag();
      expect(blocked.max).toBeGreaterThanOrEqual(0.2);
      stop();
      await sleep(100);
      // No sample since: every statistic keeps its last value.
      const first = await lag();
      await sleep(50);
      expect(await lag()).toEqual(first);
    } finally {
      stop();
    }
  });
});
