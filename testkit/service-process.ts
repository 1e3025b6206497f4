/**
 * Start the real TaskFlow service as a child process (the same entry point as production, TypeScript loaded
 * in-process by tsx so signals reach the service itself), on free loopback ports with its own SQLite file.
 *
 *   const svc = await startService({ env: { FAULT_INJECTION: "on" } });
 *   await fetch(`${svc.publicUrl}/tasks`, { headers: svc.authHeaders });
 *   svc.kill();                       // SIGKILL, no clean-up
 *   const again = await startService({ dbPath: svc.dbPath });   // restart on the same DB
 *   await again.stop();               // SIGTERM, resolves with the exit code
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "../scripts/lib/net";

export { freePort, waitFor };

import { REPO_ROOT } from "../scripts/lib/paths";

export { REPO_ROOT };
export const SERVICE_ENTRY = join(REPO_ROOT, "service", "src", "main.ts");

export interface ServiceProcess {
  publicUrl: string;
  metricsUrl: string;
  port: number;
  metricsPort: number;
  token: string;
  authHeaders: Record<string, string>;
  dbPath: string;
  proc: ChildProcess;
  /** Every stdout/stderr line so far. */
  logs(): string[];
  /** Send a signal (default SIGTERM) and resolve with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL and wait for the process to be gone. */
  kill(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  dbPath?: string;
  token?: string;
  port?: number;
  metricsPort?: number;
  /** How long to wait for /health (ms). */
  timeoutMs?: number;
  /** Command prefix, e.g. `["taskset", "-c", "1"]` to pin the service to a CPU (it execs, so the pid is the service's). */
  prefix?: string[];
  /** Extra Node.js flags, e.g. `["--cpu-prof"]`. */
  nodeArgs?: string[];
}

export function tempDir(prefix = "taskflow-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startService(opts: StartOptions = {}): Promise<ServiceProcess> {
  const port = opts.port ?? (await freePort());
  const metricsPort = opts.metricsPort ?? (await freePort());
  const token = opts.token ?? randomBytes(24).toString("base64url");
  const dbPath = opts.dbPath ?? join(tempDir(), "taskflow.db");
  const lines: string[] = [];
  const [cmd, ...args] = [
    ...(opts.prefix ?? []),
    process.execPath,
    ...(opts.nodeArgs ?? []),
    "--import",
    "tsx",
    SERVICE_ENTRY,
  ];
  const proc = spawn(cmd, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      API_TOKEN: token,
      DB_PATH: dbPath,
      LOG_LEVEL: "info",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const collect = (chunk: Buffer) => lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
  proc.stdout?.on("data", collect);
  proc.stderr?.on("data", collect);
  const exited = new Promise<number | null>((res) => proc.once("exit", (code) => res(code)));
  const publicUrl = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${publicUrl}/health`, opts.timeoutMs ?? 20_000, proc);
    // /health needs no token: make sure the server answering is this one (not another suite's on a reused port).
    const own = await fetch(`${publicUrl}/tasks?limit=1`, { headers: { authorization: `Bearer ${token}` } });
    if (own.status !== 200 || proc.exitCode !== null) {
      throw new Error(`another server answers on port ${port} (HTTP ${own.status} with this service's token)`);
    }
  } catch (err) {
    proc.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n${lines.slice(-20).join("\n")}`);
  }
  return {
    publicUrl,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    port,
    metricsPort,
    token,
    authHeaders: { authorization: `Bearer ${token}` },
    dbPath,
    proc,
    logs: () => lines.slice(),
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null) proc.kill(signal);
      return exited;
    },
    async kill() {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}

/** Create `n` tasks titled `${prefix} ${i}` through the public API, one after another; returns their ids. Throws unless each answers 201. */
export async function createTasks(svc: ServiceProcess, n: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${svc.publicUrl}/tasks`, {
      method: "POST",
      headers: { ...svc.authHeaders, "content-type": "application/json" },
      body: JSON.stringify({ title: `${prefix} ${i}` }),
    });
    if (r.status !== 201) throw new Error(`POST /tasks #${i} answered ${r.status}: ${await r.text()}`);
    ids.push(((await r.json()) as { id: string }).id);
  }
  return ids;
}
