/**
 * What the service's continuous collectors cost under load, each priced by a contest (bench/lib/common.ts) of two
 * processes that both load a bench-only preload (bench/lib/collector-preload.cjs), so the preload's own effect
 * cancels; ratio = with the collector / without it, so 1.0 means free:
 * - prom-client's GC observer (nodejs_gc_duration_seconds, a PerformanceObserver called after every collection);
 * - the native `perf_hooks.monitorEventLoopDelay` at 10 ms, which prom-client's event-loop collector used and
 *   service/src/event-loop-lag.ts replaced with a JavaScript timer (this prices what that saves).
 * Every other default metric is read at scrape time and costs nothing between scrapes. Two controls are printed
 * beside them: the preload alone against the unchanged service, and unchanged against unchanged (the floor).
 *
 *   npm run bench:collectors [-- --pairs 4 --control 2 --rounds 2 --seconds 5 --warmup 2 --connections 50]
 */
import { join } from "node:path";
import { REPO_ROOT } from "../testkit/service-process";
import {
  CONTEST_DEFAULTS,
  contestRow,
  numericFlags,
  printJson,
  printTable,
  runContest,
  runMain,
  startTaskflow,
  worstRatio,
  writeSummary,
} from "./lib/common";

const PRELOAD = join(REPO_ROOT, "bench", "lib", "collector-preload.cjs");
type Mode = "none" | "no-gc" | "native-eventloop";
const preloaded = (mode: Mode) => () =>
  startTaskflow("on", { name: `preload ${mode}`, nodeArgs: ["--require", PRELOAD], env: { BENCH_COLLECTORS: mode } });
/** Each contest: a process with the collector against one without it (the control: unchanged against preloaded). */
const CONTESTS = [
  { key: "gc_observer_ratio", label: "GC observer", with: preloaded("none"), without: preloaded("no-gc") },
  {
    key: "eventloop_monitor_ratio",
    label: "native event-loop delay monitor",
    with: preloaded("native-eventloop"),
    without: preloaded("none"),
  },
  {
    key: "preload_control_ratio",
    label: "nothing (the preload alone, unchanged / preloaded)",
    with: () => startTaskflow("on"),
    without: preloaded("none"),
  },
] as const;

export async function runCollectors(flags = CONTEST_DEFAULTS) {
  const priced: Record<string, Awaited<ReturnType<typeof runContest>>> = {};
  for (const c of CONTESTS) {
    priced[c.key] = await runContest(`collectors: with vs without ${c.label}`, c.with, c.without, flags, flags.pairs);
  }
  const control = await runContest(
    "A/A control: metrics on vs on",
    () => startTaskflow("on"),
    () => startTaskflow("on"),
    flags,
    flags.control,
  );
  printTable(
    "Continuous collectors: throughput with / without each, contest on one CPU",
    CONTESTS.flatMap((c) =>
      Object.entries(priced[c.key]).map(([route, m]) => ({
        collector: c.label,
        route,
        ...contestRow(m, control[route]),
      })),
    ),
  );
  const figures = Object.fromEntries(CONTESTS.map((c) => [c.key, worstRatio(priced[c.key])]));
  const result = {
    ...figures,
    method:
      "contest on one CPU: with vs without each collector, both sides preloaded (bench/lib/collector-preload.cjs); " +
      "order-balanced ratio (see bench/lib/common.ts)",
    per_collector: priced,
    control_a_a: control,
  };
  printJson("collectors", result);
  writeSummary(figures, "collectors", result);
  return result;
}

runMain(module, () => runCollectors(numericFlags(process.argv.slice(2), CONTEST_DEFAULTS)));
