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
  contest,
  median,
  numericFlags,
  printJson,
  printTable,
  round3,
  runMain,
  startTaskflow,
  writeSummary,
  type ContestResult,
} from "./lib/common";

export const OVERHEAD_DEFAULTS = { pairs: 4, control: 2, rounds: 2, seconds: 5, warmup: 2, connections: 50 };
const GOAL = 0.97;

const summarise = (r: ContestResult) =>
  Object.fromEntries(
    Object.entries(r).map(([route, x]) => [
      route,
      {
        median: round3(median(x.ratios)),
        min: round3(Math.min(...x.ratios)),
        max: round3(Math.max(...x.ratios)),
        cpu_median: round3(median(x.cpuRatios)),
        on_rps: Math.round(median(x.aRps)),
        off_rps: Math.round(median(x.bRps)),
        ratios: x.ratios.map(round3),
      },
    ]),
  );

export async function runOverhead(flags = OVERHEAD_DEFAULTS) {
  const opts = (pairs: number) => ({
    pairs,
    rounds: flags.rounds,
    seconds: flags.seconds,
    warmupSeconds: flags.warmup,
    connections: flags.connections,
  });
  console.log(`overhead: metrics on vs off, ${flags.pairs} process pairs`);
  const measured = summarise(
    await contest(
      () => startTaskflow("on"),
      () => startTaskflow("off"),
      opts(flags.pairs),
    ),
  );
  console.log(`A/A control: metrics off vs off, ${flags.control} process pairs`);
  const control = summarise(
    await contest(
      () => startTaskflow("off"),
      () => startTaskflow("off"),
      opts(flags.control),
    ),
  );
  const worst = Math.min(...Object.values(measured).map((m) => m.median));
  const result = {
    overhead_ratio: worst,
    goal: `>= ${GOAL}`,
    met: worst >= GOAL,
    method: "concurrent contest on one CPU, fresh process pairs; ratio = median over pairs x rounds",
    per_route: measured,
    control_a_a: control,
  };
  printTable(
    "Instrumentation overhead (metrics on / off), contest on one CPU",
    Object.entries(measured).map(([route, m]) => ({
      route,
      "on req/s": m.on_rps,
      "off req/s": m.off_rps,
      "ratio median": m.median,
      "ratio min–max": `${m.min}–${m.max}`,
      "CPU/req ratio": m.cpu_median,
      "A/A median": control[route]?.median,
      "A/A min–max": `${control[route]?.min}–${control[route]?.max}`,
    })),
  );
  console.log(`overhead_ratio (worst route, median of paired rounds): ${worst}, goal >= ${GOAL}`);
  printJson("overhead", result);
  writeSummary({ overhead_ratio: worst }, "overhead", result);
  return result;
}

runMain(module, () => runOverhead(numericFlags(process.argv.slice(2), OVERHEAD_DEFAULTS)));
