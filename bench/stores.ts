/**
 * The two stores side by side: TaskFlow on SQLite (a file, group commit) and on PostgreSQL (a real server from
 * Debian's package on loopback, a pool of 10), the same routes and load, alternating rounds. Prints GET
 * /tasks/:id and POST /tasks throughput and p99 for both in one table, with the PostgreSQL / SQLite ratios, and
 * writes bench/results/stores.json.
 *
 *   npm run bench:stores [-- --rounds 3 --seconds 8 --warmup 3 --connections 50]
 *
 * Both servers share this machine with the load generator (and PostgreSQL with the service): the figures compare
 * the stores' costs here, not what RDS over a network would give (add its round trip, about 0.5–1 ms per query in
 * one zone, to every PostgreSQL request).
 */
import autocannon from "autocannon";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startPostgres } from "../testkit/postgres-server";
import { startService } from "../testkit/service-process";
import {
  BENCH_ENV,
  RESULTS_DIR,
  SERVER_PREFIX,
  machine,
  mean,
  median,
  numericFlags,
  pinLoadGenerator,
  printTable,
  round3,
  runMain,
  seedTask,
} from "./lib/common";

export const STORE_DEFAULTS = { rounds: 3, seconds: 8, warmup: 3, connections: 50 };

interface Store {
  name: "sqlite" | "postgres";
  url: string;
  token: string;
  taskId: string;
  stop(): Promise<void>;
}

const WORKLOADS = [
  { name: "GET /tasks/:id", method: "GET" as const },
  { name: "POST /tasks", method: "POST" as const },
];

async function round(s: Store, w: (typeof WORKLOADS)[number], seconds: number, connections: number) {
  let n = 0;
  const r = await autocannon({
    url: w.method === "GET" ? `${s.url}/tasks/${s.taskId}` : `${s.url}/tasks`,
    method: w.method,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json" },
    ...(w.method === "POST"
      ? { requests: [{ setupRequest: (q) => ({ ...q, body: JSON.stringify({ title: `bench ${n++}` }) }) }] }
      : {}),
  });
  return { rps: r.requests.average, p99: r.latency.p99, failed: r.non2xx + r.errors + r.timeouts };
}

runMain(module, async () => {
  const f = numericFlags(process.argv.slice(2), STORE_DEFAULTS);
  const pg = await startPostgres();
  const stores: Store[] = [];
  try {
    for (const [name, env] of [
      ["sqlite", {}],
      ["postgres", { DATABASE_URL: pg.url }],
    ] as const) {
      const svc = await startService({ env: { ...BENCH_ENV, ...env }, prefix: SERVER_PREFIX });
      stores.push({
        name,
        url: svc.publicUrl,
        token: svc.token,
        taskId: await seedTask(svc.publicUrl, svc.token),
        stop: async () => void (await svc.stop("SIGTERM")),
      });
    }
    pinLoadGenerator();
    const rows: Record<string, unknown>[] = [];
    const detail: Record<string, unknown> = {};
    for (const w of WORKLOADS) {
      for (const s of stores) await round(s, w, f.warmup, f.connections);
      const per = new Map(stores.map((s) => [s.name, [] as Awaited<ReturnType<typeof round>>[]]));
      for (let i = 0; i < f.rounds; i++) {
        for (const s of i % 2 ? [...stores].reverse() : stores) {
          const r = await round(s, w, f.seconds, f.connections);
          per.get(s.name)!.push(r);
          console.log(
            `  ${w.name.padEnd(15)} round ${i + 1}/${f.rounds} ${s.name.padEnd(9)} ${Math.round(r.rps)} req/s`,
          );
        }
      }
      const fig = (name: string) => {
        const rs = per.get(name as Store["name"])!;
        return {
          rps: mean(rs.map((r) => r.rps)),
          p99: median(rs.map((r) => r.p99)),
          failed: rs.reduce((a, r) => a + r.failed, 0),
        };
      };
      const [lite, post] = [fig("sqlite"), fig("postgres")];
      rows.push({
        workload: w.name,
        "sqlite req/s": Math.round(lite.rps),
        "postgres req/s": Math.round(post.rps),
        "postgres/sqlite": round3(post.rps / lite.rps),
        "sqlite p99 ms": lite.p99,
        "postgres p99 ms": post.p99,
        failed: lite.failed + post.failed,
      });
      detail[w.name] = {
        sqlite: { ...lite, rounds: per.get("sqlite") },
        postgres: { ...post, rounds: per.get("postgres") },
      };
    }
    printTable(`Stores (${f.rounds} rounds × ${f.seconds} s, ${f.connections} connections, alternating)`, rows);
    writeFileSync(
      join(RESULTS_DIR, "stores.json"),
      JSON.stringify({ machine: machine(), flags: f, rows, detail, measured_at: new Date().toISOString() }, null, 2) +
        "\n",
    );
    if (rows.some((r) => (r.failed as number) > 0)) throw new Error("some requests failed: see the table");
  } finally {
    await Promise.all(stores.map((s) => s.stop()));
    await pg.close();
  }
});
