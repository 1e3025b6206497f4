/**
 * Instrumentation share of the server's CPU, from a V8 CPU profile of TaskFlow (metrics on) under load.
 *
 * The throughput ratio of two servers on a shared 2-vCPU VM moves by ±15 % from round to round, which hides
 * an effect of a few percent. A profile does not compare two runs: it attributes the busy CPU of one run, so
 * the share of samples whose stack passes through the instrumentation (prom-client, service/src/metrics.ts,
 * service/src/hot-histogram.ts, the request hook `recordResponse`, the query observer `observeQuery`) is
 * the cost of the instrumentation, and 1 − share is the throughput the instrumented service would have
 * without it, CPU-bound. Not counted:
 * Fastify's own bookkeeping for having one onResponse hook at all, which the profile cannot separate.
 *
 *   npm run bench:profile [-- --seconds 10 --connections 50]
 */
import autocannon from "autocannon";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startService, tempDir } from "../testkit/service-process";
import {
  numericFlags,
  pinLoadGenerator,
  printJson,
  printTable,
  round3,
  runMain,
  seedTask,
  SERVER_PREFIX,
  writeSummary,
  BENCH_ENV,
  WORKLOADS,
} from "./lib/common";

export const PROFILE_DEFAULTS = { seconds: 10, connections: 50 };

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  startTime: number;
  endTime: number;
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const INSTRUMENTATION_FUNCTIONS = new Set(["recordResponse", "observeQuery"]);
const isInstrumentation = (f: CpuProfileNode["callFrame"]) =>
  f.url.includes("/node_modules/prom-client/") ||
  /\/service\/src\/(metrics|hot-histogram)\.ts$/.test(f.url) ||
  INSTRUMENTATION_FUNCTIONS.has(f.functionName);
const IDLE = new Set(["(idle)"]);

/**
 * Busy time and the part of it spent inside instrumentation frames (inclusive), in microseconds, over the
 * samples taken in [fromUs, toUs] (profile clock); start-up (module loading) and shutdown are left out.
 */
export function attribute(
  profile: CpuProfile,
  fromUs = -Infinity,
  toUs = Infinity,
): {
  busyUs: number;
  instrumentationUs: number;
  top: [string, number][];
} {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inside = new Map<number, boolean>();
  const instrumented = (id: number): boolean => {
    const known = inside.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const p = parent.get(id);
    // Inclusive below an instrumentation frame, except where Fastify continues its own work (the hook's done()).
    const v =
      node !== undefined &&
      (isInstrumentation(node.callFrame) ||
        (!node.callFrame.url.includes("/node_modules/fastify/") && p !== undefined && instrumented(p)));
    inside.set(id, v);
    return v;
  };
  let busyUs = 0;
  let instrumentationUs = 0;
  const selfUs = new Map<string, number>();
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < fromUs || t > toUs) return;
    const frame = byId.get(id)?.callFrame;
    if (!frame || IDLE.has(frame.functionName)) return; // waiting for I/O; (program) and GC are busy
    busyUs += dt;
    if (!instrumented(id)) return;
    instrumentationUs += dt;
    const where = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*\/(node_modules\/)?/, "")}`;
    selfUs.set(where, (selfUs.get(where) ?? 0) + dt);
  });
  const top = [...selfUs.entries()].sort((x, y) => y[1] - x[1]).slice(0, 8);
  return { busyUs, instrumentationUs, top };
}

export async function runProfile(flags = PROFILE_DEFAULTS) {
  pinLoadGenerator();
  const rows: Record<string, unknown>[] = [];
  for (const w of WORKLOADS) {
    const dir = tempDir("taskflow-prof-");
    const svc = await startService({
      env: { ...BENCH_ENV, METRICS: "on" },
      nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
      prefix: SERVER_PREFIX,
    });
    try {
      const taskId = await seedTask(svc.publicUrl, svc.token);
      const loadStart = performance.now();
      const r = await autocannon({
        url: `${svc.publicUrl}${w.path({ taskId })}`,
        connections: flags.connections,
        duration: flags.seconds,
        headers: w.auth ? svc.authHeaders : {},
      });
      const loadEnd = performance.now();
      if (r.non2xx + r.errors > 0) throw new Error(`${w.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      const stopSent = performance.now();
      const code = await svc.stop("SIGTERM"); // the profile is written on a clean exit
      const exited = performance.now();
      if (code !== 0) throw new Error(`${w.name}: service exited with ${code}`);
      const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
      if (!file) throw new Error(`${w.name}: no CPU profile written in ${dir}`);
      const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
      // The profile ends when the server exits; count only the samples of the load window, by its offsets
      // from that end (the exit is timed here to within the SIGTERM round trip, a few ms).
      const endUs = profile.endTime - (exited - stopSent) * 1000 * 0.5;
      const a = attribute(profile, endUs - (stopSent - loadStart) * 1000, endUs - (stopSent - loadEnd) * 1000);
      const share = a.instrumentationUs / a.busyUs;
      console.log(
        `${w.name}: hottest instrumentation frames (self ms): ` +
          a.top.map(([f, us]) => `${f} ${Math.round(us / 1000)}`).join("; "),
      );
      rows.push({
        route: w.name,
        requests: r.requests.total,
        "busy CPU ms": Math.round(a.busyUs / 1000),
        "instrumentation ms": Math.round(a.instrumentationUs / 1000),
        "share %": round3(share * 100),
        "µs/req": round3(a.instrumentationUs / r.requests.total),
        "implied ratio": round3(1 - share),
      });
    } finally {
      await svc.kill();
    }
  }
  printTable("Instrumentation share of server CPU (V8 CPU profile, metrics on)", rows);
  const worst = Math.min(...rows.map((r) => r["implied ratio"] as number));
  const result = { instrumentation_cpu_ratio: worst, pinned: SERVER_PREFIX.length > 0, rows };
  console.log(`instrumentation_cpu_ratio (worst route, 1 − instrumentation share of busy CPU): ${worst}`);
  printJson("profile", result);
  writeSummary({ instrumentation_cpu_ratio: worst }, "profile", result);
  return result;
}

runMain(module, () => runProfile(numericFlags(process.argv.slice(2), PROFILE_DEFAULTS)));
