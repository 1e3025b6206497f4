/**
 * Shared bench plumbing: targets started as child processes on loopback, autocannon rounds run from this
 * process, alternating A/B so that both sides see the same machine noise, results printed as a table and as
 * JSON and merged into bench/results/summary.json.
 */
import autocannon from "autocannon";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { freePort, startService, tempDir, waitFor, REPO_ROOT } from "../../testkit/service-process";

export const RESULTS_DIR = join(REPO_ROOT, "bench", "results");
export const SUMMARY = join(RESULTS_DIR, "summary.json");

/** A running HTTP server under test: where it listens, how to authenticate, one existing task id. */
export interface Target {
  name: string;
  url: string;
  metricsUrl: string;
  token: string;
  taskId: string;
  pid: number;
  stop(): Promise<void>;
}

export type SummaryKey =
  | "overhead_ratio"
  | "peer_ratio"
  | "metrics_render_p50_ms"
  | "unknown_url_new_series"
  | "ttd_service_down_s"
  | "ttd_slo_page_s"
  | "instrumentation_cpu_ratio"
  | "metrics_render_p99_ms"
  | "gc_observer_ratio"
  | "eventloop_monitor_ratio"
  | "preload_control_ratio";

/** Quiet, unthrottled: logging at warn for every target (none logs per request), rate limit out of the way. */
export const BENCH_ENV = { LOG_LEVEL: "warn", RATE_LIMIT_PER_MINUTE: "10000000" };

export async function seedTask(url: string, token: string): Promise<string> {
  const r = await fetch(`${url}/tasks`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ title: "bench task", description: "read by the benchmark", priority: "high" }),
  });
  if (r.status !== 201) throw new Error(`seeding a task failed: HTTP ${r.status} ${await r.text()}`);
  return ((await r.json()) as { id: string }).id;
}

/**
 * CPU placement on a 2+ core machine: the load generator (this process) on CPU 0, every server on CPU 1, so
 * client and server never compete for a core and a server's throughput is its own. Without taskset or with
 * one core, nothing is pinned and the figures say so (`pinned: false`).
 */
const canPin = cpus().length >= 2 && spawnSync("taskset", ["-V"]).status === 0;
export const SERVER_PREFIX = canPin ? ["taskset", "-c", "1"] : [];
export function pinLoadGenerator(): boolean {
  if (!canPin) return false;
  return spawnSync("taskset", ["-a", "-pc", "0", String(process.pid)], { stdio: "ignore" }).status === 0;
}

/** CPU time (user + system, all threads) a process has used, in seconds, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/**
 * TaskFlow with metrics on or off (METRICS=off removes the hooks and the registry entirely); `variant` adds
 * node flags and environment to price one part alone (bench/collectors.ts) and names it.
 */
export async function startTaskflow(
  metrics: "on" | "off",
  variant?: { name: string; nodeArgs: string[]; env: Record<string, string> },
): Promise<Target> {
  const svc = await startService({
    env: { ...BENCH_ENV, METRICS: metrics, ...variant?.env },
    nodeArgs: variant?.nodeArgs,
    prefix: SERVER_PREFIX,
  });
  return {
    name: `taskflow (metrics ${metrics}${variant ? `, ${variant.name}` : ""})`,
    url: svc.publicUrl,
    metricsUrl: svc.metricsUrl,
    token: svc.token,
    taskId: await seedTask(svc.publicUrl, svc.token),
    pid: svc.proc.pid as number,
    async stop() {
      await svc.stop("SIGTERM");
    },
  };
}

/** The Express 5 + express-prom-bundle peer (bench/peers/express-taskflow.ts), same loopback setup. */
export async function startExpressPeer(): Promise<Target> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const token = randomBytes(24).toString("base64url");
  const lines: string[] = [];
  const peerEntry = join(REPO_ROOT, "bench", "peers", "express-taskflow.ts");
  const [cmd, ...args] = [...SERVER_PREFIX, process.execPath, "--import", "tsx", peerEntry];
  const proc = spawn(cmd, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...BENCH_ENV,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      API_TOKEN: token,
      DB_PATH: join(tempDir("express-peer-"), "peer.db"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout.on("data", (c: Buffer) => lines.push(c.toString()));
  proc.stderr.on("data", (c: Buffer) => lines.push(c.toString()));
  const exited = new Promise<void>((res) => proc.once("exit", () => res()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/health`, 20_000, proc);
  } catch (err) {
    proc.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n${lines.join("")}`);
  }
  return {
    name: "express 5 + express-prom-bundle",
    url,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    token,
    taskId: await seedTask(url, token),
    pid: proc.pid as number,
    async stop() {
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

export interface RoundResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Server CPU time per request, in microseconds (user + system, all threads). */
  cpuUs: number;
}

export interface Workload {
  name: string;
  path: (t: Pick<Target, "taskId">) => string;
  auth: boolean;
}

/** The two read paths the overhead and peer figures use: the cheapest route and an authenticated DB read. */
export const WORKLOADS: Workload[] = [
  { name: "GET /", path: () => "/", auth: false },
  { name: "GET /tasks/:id", path: (t) => `/tasks/${t.taskId}`, auth: true },
];

export async function load(t: Target, w: Workload, seconds: number, connections: number): Promise<RoundResult> {
  const cpuBefore = cpuSeconds(t.pid);
  const r = await autocannon({
    url: `${t.url}${w.path(t)}`,
    connections,
    duration: seconds,
    headers: w.auth ? { authorization: `Bearer ${t.token}` } : {},
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    cpuUs: ((cpuSeconds(t.pid) - cpuBefore) / Math.max(1, r.requests.total)) * 1e6,
  };
}

export interface CompareOptions {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
}

export interface Comparison {
  workload: string;
  target: string;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  failed: number;
  rounds_rps: number[];
  /** Server CPU time per request (µs), median over rounds, and per round. */
  cpu_us: number;
  rounds_cpu_us: number[];
}

/**
 * Alternate targets round by round (A, B, C, A, B, C, …) for each workload after a warm-up of each; the
 * figure per target is the mean over its rounds, latencies the median over rounds.
 */
export async function compare(targets: Target[], opts: CompareOptions, log = console.log): Promise<Comparison[]> {
  const out: Comparison[] = [];
  pinLoadGenerator();
  for (const w of WORKLOADS) {
    for (const t of targets) await load(t, w, opts.warmupSeconds, opts.connections);
    const per = new Map<Target, RoundResult[]>(targets.map((t) => [t, []]));
    for (let round = 0; round < opts.rounds; round++) {
      // Rotate the starting target each round so no target always runs first.
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const t of order) {
        const r = await load(t, w, opts.seconds, opts.connections);
        per.get(t)?.push(r);
        log(`  ${w.name.padEnd(15)} round ${round + 1}/${opts.rounds} ${t.name.padEnd(32)} ${fmt(r.rps)} req/s`);
      }
    }
    for (const t of targets) {
      const rs = per.get(t) ?? [];
      out.push({
        workload: w.name,
        target: t.name,
        rps: mean(rs.map((r) => r.rps)),
        p50_ms: median(rs.map((r) => r.p50)),
        p99_ms: median(rs.map((r) => r.p99)),
        requests: rs.reduce((a, r) => a + r.requests, 0),
        failed: rs.reduce((a, r) => a + r.non2xx + r.errors, 0),
        rounds_rps: rs.map((r) => r.rps),
        cpu_us: Math.round(median(rs.map((r) => r.cpuUs)) * 10) / 10,
        rounds_cpu_us: rs.map((r) => Math.round(r.cpuUs * 10) / 10),
      });
    }
  }
  return out;
}

export interface ContestOptions {
  /** Fresh process pairs; each process has its own layout and JIT history, so one pair is not enough. */
  pairs: number;
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
}

/**
 * Per workload, every paired round: a/b throughput and b/a CPU per request, both sides' req/s, and whether a
 * was the process started first in that round's pair.
 */
export type ContestResult = Record<
  string,
  { ratios: number[]; cpuRatios: number[]; aRps: number[]; bRps: number[]; aFirst: boolean[] }
>;

/**
 * Paired, concurrent measurement for effects of a few percent. Both servers run on the same CPU at the same
 * time, each under its own load generator, so the scheduler gives each an equal share of that CPU and both
 * see exactly the same machine conditions; the throughput ratio is then the ratio of work per request. Rounds
 * run in several fresh process pairs because one process differs from another of the same build by a few
 * percent; run it with a = b to see that floor. The start order alternates, and `pairs` must be even: on our
 * VMs the process started first of a pair is measurably slower (up to ≈ 10 % in A/A runs), so only an equal
 * number of pairs in each order lets summariseContest cancel that out.
 */
export async function contest(
  startA: () => Promise<Target>,
  startB: () => Promise<Target>,
  opts: ContestOptions,
  log = console.log,
): Promise<ContestResult> {
  if (!Number.isInteger(opts.pairs) || opts.pairs % 2 !== 0) {
    throw new Error(`pairs must be even (each start order as often as the other), got ${opts.pairs}`);
  }
  pinLoadGenerator();
  const out: ContestResult = Object.fromEntries(
    WORKLOADS.map((w) => [w.name, { ratios: [], cpuRatios: [], aRps: [], bRps: [], aFirst: [] }]),
  );
  for (let pair = 0; pair < opts.pairs; pair++) {
    let a: Target;
    let b: Target;
    if (pair % 2 === 0) {
      a = await startA();
      b = await startB();
    } else {
      b = await startB();
      a = await startA();
    }
    try {
      for (const w of WORKLOADS) {
        const run = (s: number) => Promise.all([load(a, w, s, opts.connections), load(b, w, s, opts.connections)]);
        await run(opts.warmupSeconds);
        for (let round = 0; round < opts.rounds; round++) {
          const [ra, rb] = await run(opts.seconds);
          if (ra.non2xx + ra.errors + rb.non2xx + rb.errors > 0) {
            throw new Error(`${w.name}: failed requests during the contest (${a.name}, ${b.name})`);
          }
          const o = out[w.name];
          o.ratios.push(ra.rps / rb.rps);
          o.cpuRatios.push(rb.cpuUs / ra.cpuUs);
          o.aRps.push(ra.rps);
          o.bRps.push(rb.rps);
          o.aFirst.push(pair % 2 === 0);
          log(
            `  pair ${pair + 1}/${opts.pairs} ${w.name.padEnd(15)} round ${round + 1}/${opts.rounds}: ` +
              `${a.name} ${fmt(ra.rps)} req/s, ${b.name} ${fmt(rb.rps)} req/s, ratio ${(ra.rps / rb.rps).toFixed(3)}`,
          );
        }
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }
  return out;
}

/**
 * The order-balanced figure of paired ratios: the geometric mean of the median over pairs where a started first
 * and the median over pairs where b did. A start-order effect f multiplies the one by f and divides the other by
 * it, so it cancels; `order_effect` reports it (the first-started process's speed relative to the second's).
 */
function balanced(ratios: number[], aFirst: boolean[]): { ratio: number; orderEffect: number } {
  const first = median(ratios.filter((_, i) => aFirst[i]));
  const second = median(ratios.filter((_, i) => !aFirst[i]));
  return { ratio: Math.sqrt(first * second), orderEffect: Math.sqrt(first / second) };
}

/**
 * Per route: the order-balanced ratio (the headline), the plain median and range, the CPU-per-request ratio
 * (balanced the same way), the start-order effect, and both sides' req/s.
 */
export const summariseContest = (r: ContestResult) =>
  Object.fromEntries(
    Object.entries(r).map(([route, x]) => {
      const throughput = balanced(x.ratios, x.aFirst);
      return [
        route,
        {
          ratio: round3(throughput.ratio),
          median: round3(median(x.ratios)),
          min: round3(Math.min(...x.ratios)),
          max: round3(Math.max(...x.ratios)),
          cpu_ratio: round3(balanced(x.cpuRatios, x.aFirst).ratio),
          order_effect: round3(throughput.orderEffect),
          on_rps: Math.round(median(x.aRps)),
          off_rps: Math.round(median(x.bRps)),
          ratios: x.ratios.map(round3),
          a_started_first: x.aFirst,
        },
      ];
    }),
  );

/** The command-line flags every contest script takes (`npm run bench:overhead -- --pairs 4 …`). */
export const CONTEST_DEFAULTS = { pairs: 4, control: 2, rounds: 2, seconds: 5, warmup: 2, connections: 50 };
export type ContestFlags = typeof CONTEST_DEFAULTS;

/** Run a contest of `pairs` process pairs with the flags' timing, and summarise it per route. */
export async function runContest(
  title: string,
  startA: () => Promise<Target>,
  startB: () => Promise<Target>,
  flags: ContestFlags,
  pairs: number,
) {
  console.log(`${title}, ${pairs} process pairs`);
  const { rounds, seconds, warmup: warmupSeconds, connections } = flags;
  return summariseContest(await contest(startA, startB, { pairs, rounds, seconds, warmupSeconds, connections }));
}

type Summary = ReturnType<typeof summariseContest>;
/** The worst route's order-balanced ratio: the headline, so no route hides behind another. */
export const worstRatio = (s: Summary) => Math.min(...Object.values(s).map((m) => m.ratio));
/** One route's table row: the measured ratio with its spread and order effect, the A/A control beside it. */
export const contestRow = (m: Summary[string], control: Summary[string] | undefined) => ({
  ratio: m.ratio,
  "min–max": `${m.min}–${m.max}`,
  "CPU/req ratio": m.cpu_ratio,
  "order effect": m.order_effect,
  "A/A ratio": control?.ratio,
  "A/A min–max": `${control?.min}–${control?.max}`,
});

/**
 * Throughput ratio a/b per workload: the median over rounds of the ratio within each round (a and b ran back
 * to back, so machine drift between rounds cancels out). The headline is the WORST workload, so no route can
 * hide behind another.
 */
export function ratios(
  rows: Comparison[],
  a: string,
  b: string,
): { perWorkload: Record<string, number>; worst: number; cpuPerWorkload: Record<string, number> } {
  const perWorkload: Record<string, number> = {};
  const cpuPerWorkload: Record<string, number> = {};
  for (const w of WORKLOADS) {
    const ra = rows.find((r) => r.workload === w.name && r.target === a);
    const rb = rows.find((r) => r.workload === w.name && r.target === b);
    if (!ra || !rb) continue;
    perWorkload[w.name] = round3(median(ra.rounds_rps.map((x, i) => x / rb.rounds_rps[i])));
    // b's CPU per request over a's: the throughput ratio two CPU-bound servers would have, free of client noise.
    cpuPerWorkload[w.name] = round3(median(ra.rounds_cpu_us.map((x, i) => rb.rounds_cpu_us[i] / x)));
  }
  return { perWorkload, worst: Math.min(...Object.values(perWorkload)), cpuPerWorkload };
}

export function printTable(title: string, rows: Record<string, unknown>[]): void {
  console.log(`\n${title}`);
  console.table(rows);
}

export function printJson(name: string, value: unknown): void {
  console.log(`${name} JSON: ${JSON.stringify(value)}`);
}

export function machine() {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** Merge headline figures (and a detail record) into summary.json, keeping every other key. */
export function writeSummary(figures: Partial<Record<SummaryKey, number | null>>, detailName: string, detail: unknown) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const current = existsSync(SUMMARY) ? (JSON.parse(readFileSync(SUMMARY, "utf8")) as Record<string, unknown>) : {};
  const next = { ...current, ...figures, machine: machine(), updated_at: new Date().toISOString() };
  writeFileSync(SUMMARY, JSON.stringify(next, null, 2) + "\n");
  writeFileSync(
    join(RESULTS_DIR, `${detailName}.json`),
    JSON.stringify({ machine: machine(), ...(detail as object) }, null, 2) + "\n",
  );
}

/** `--name value` flags with numeric defaults; an unknown flag or a bad value is an error naming it. */
export function numericFlags<T extends Record<string, number>>(argv: string[], defaults: T): T {
  const out: Record<string, number> = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!argv[i].startsWith("--") || !(key in defaults)) {
      throw new Error(
        `unknown flag ${argv[i]}: allowed flags are ${Object.keys(defaults)
          .map((k) => `--${k}`)
          .join(", ")}`,
      );
    }
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${key} needs a positive number, got "${argv[i + 1]}"`);
    out[key] = v;
  }
  return out as T;
}

export const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
export const round3 = (x: number) => Math.round(x * 1000) / 1000;
export const fmt = (x: number) => Math.round(x).toString().padStart(7);

/** Print and record a throughput ratio a/b measured side by side: table, JSON, summary key, detail file. */
export function reportRatio(
  spec: { name: string; key: SummaryKey; title: string; goal: number },
  rows: Comparison[],
  a: Target,
  b: Target,
) {
  const r = ratios(rows, a.name, b.name);
  const result = {
    [spec.key]: r.worst,
    per_route_ratio: r.perWorkload,
    per_route_cpu_ratio: r.cpuPerWorkload,
    pinned: SERVER_PREFIX.length > 0,
    goal: `>= ${spec.goal}`,
    met: r.worst >= spec.goal,
    rows: rows.filter((x) => x.target === a.name || x.target === b.name),
  };
  const failed = result.rows.reduce((n, x) => n + x.failed, 0);
  if (failed > 0) {
    // A target that answered errors did less work per request: its throughput is not comparable.
    console.warn(`WARNING: ${failed} non-2xx responses or socket errors; the ${spec.key} is not valid`);
    result.met = false;
  }
  printTable(
    spec.title,
    result.rows.map((x) => ({
      route: x.workload,
      target: x.target,
      "req/s": Math.round(x.rps),
      "p50 ms": x.p50_ms,
      "p99 ms": x.p99_ms,
      "server CPU µs/req": x.cpu_us,
      failed: x.failed,
    })),
  );
  console.log(
    `${spec.key} (worst route; per route = median of per-round ratios): ${r.worst} ${JSON.stringify(r.perWorkload)} goal ${result.goal}`,
  );
  console.log(
    `server CPU per request, ${b.name} / ${a.name} (median of per-round ratios): ${JSON.stringify(r.cpuPerWorkload)}` +
      ` — CPU placement: ${result.pinned ? "load generator on CPU 0, servers on CPU 1" : "not pinned"}`,
  );
  printJson(spec.name, result);
  writeSummary({ [spec.key]: r.worst }, spec.name, result);
  return result;
}

/** Run `main` when the file is the entry point; print the error and exit 1 on failure. */
export function runMain(mod: NodeJS.Module, main: () => Promise<unknown>): void {
  if (require.main !== mod) return;
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
