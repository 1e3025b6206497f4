/**
 * Instrumentation overhead: the same TaskFlow build with METRICS=on vs METRICS=off (the switch removes the
 * hooks and the registry entirely), GET / and GET /tasks/:id, alternating rounds. Goal: on ≥ 0.97 × off.
 *
 *   npm run bench:overhead [-- --rounds 5 --seconds 6 --warmup 3 --connections 50]
 */
import {
  compare,
  numericFlags,
  reportRatio,
  runMain,
  startTaskflow,
  type CompareOptions,
  type Comparison,
  type Target,
} from "./lib/common";

export const DEFAULTS = { rounds: 5, seconds: 6, warmup: 3, connections: 50 };

export function toCompareOptions(f: typeof DEFAULTS): CompareOptions {
  return { rounds: f.rounds, seconds: f.seconds, warmupSeconds: f.warmup, connections: f.connections };
}

export const reportOverhead = (rows: Comparison[], on: Target, off: Target) =>
  reportRatio(
    { name: "overhead", key: "overhead_ratio", title: "Instrumentation overhead (metrics on / off)", goal: 0.97 },
    rows,
    on,
    off,
  );

runMain(module, async () => {
  const flags = numericFlags(process.argv.slice(2), DEFAULTS);
  const on = await startTaskflow("on");
  const off = await startTaskflow("off");
  try {
    reportOverhead(await compare([on, off], toCompareOptions(flags)), on, off);
  } finally {
    await Promise.all([on.stop(), off.stop()]);
  }
});
