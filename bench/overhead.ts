/**
 * Instrumentation overhead: the same TaskFlow build with METRICS=on vs METRICS=off (the switch removes the
 * hooks and the hot-path metrics entirely), GET / and GET /tasks/:id. Goal: on ≥ 0.97 × off.
 *
 * Measured as a contest (bench/lib/common.ts): on and off share one CPU at the same time, in several fresh
 * process pairs, so machine noise hits both sides alike. An A/A control (off against off) run the same way
 * shows the measurement's own floor; the overhead is only as certain as that floor is narrow.
 *
 *   npm run bench:overhead [-- --pairs 4 --control 2 --rounds 2 --seconds 5 --warmup 2 --connections 50]
 */
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

export const OVERHEAD_DEFAULTS = CONTEST_DEFAULTS;
const GOAL = 0.97;

export async function runOverhead(flags = OVERHEAD_DEFAULTS) {
  const measured = await runContest(
    "overhead: metrics on vs off",
    () => startTaskflow("on"),
    () => startTaskflow("off"),
    flags,
    flags.pairs,
  );
  const control = await runContest(
    "A/A control: metrics off vs off",
    () => startTaskflow("off"),
    () => startTaskflow("off"),
    flags,
    flags.control,
  );
  const worst = worstRatio(measured);
  const result = {
    overhead_ratio: worst,
    goal: `>= ${GOAL}`,
    met: worst >= GOAL,
    method:
      "concurrent contest on one CPU, fresh process pairs in both start orders; ratio = geometric mean of the " +
      "medians of the two orders (cancels the start-order effect)",
    per_route: measured,
    control_a_a: control,
  };
  printTable(
    "Instrumentation overhead (metrics on / off), contest on one CPU",
    Object.entries(measured).map(([route, m]) => ({
      route,
      "on req/s": m.on_rps,
      "off req/s": m.off_rps,
      ...contestRow(m, control[route]),
    })),
  );
  console.log(`overhead_ratio (worst route, order-balanced): ${worst}, goal >= ${GOAL}`);
  printJson("overhead", result);
  writeSummary({ overhead_ratio: worst }, "overhead", result);
  return result;
}

runMain(module, () => runOverhead(numericFlags(process.argv.slice(2), OVERHEAD_DEFAULTS)));
