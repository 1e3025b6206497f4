import type { ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where freePort marks the ports it hands out, for every test process of the machine to see. */
const RESERVATIONS = join(tmpdir(), "observed-app-ports");
/** How long a port handed out stays reserved: long enough for a slow server (PostgreSQL's initdb) to bind it. */
const RESERVED_MS = 120_000;

/**
 * A port that was free a moment ago on 127.0.0.1, and that no other caller on this machine got in the last two
 * minutes. The OS hands a port released by one process to the next that asks; suites start servers in parallel
 * processes, some seconds after taking their port (PostgreSQL after initdb), so two of them could get the same
 * one: each port handed out is marked with an exclusively created file, and a marked port is skipped.
 */
export async function freePort(): Promise<number> {
  mkdirSync(RESERVATIONS, { recursive: true });
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await osPort();
    const mark = join(RESERVATIONS, String(port));
    try {
      if (Date.now() - statSync(mark).mtimeMs < RESERVED_MS) continue;
      rmSync(mark, { force: true });
    } catch {
      // not marked
    }
    try {
      closeSync(openSync(mark, "wx"));
      return port;
    } catch {
      // another process marked it first
    }
  }
  throw new Error("no free port found in 100 attempts");
}

/** A port the OS says is free now on 127.0.0.1. */
function osPort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** Poll `url` until it answers 2xx; fail early when `proc` exits. */
export async function waitFor(url: string, timeoutMs: number, proc?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (proc && (proc.exitCode !== null || proc.signalCode !== null)) {
      throw new Error(`process exited (${proc.exitCode ?? proc.signalCode}) before ${url} answered`);
    }
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become ready within ${timeoutMs} ms (last: ${last})`);
}

/** Whether something already listens on 127.0.0.1:`port` (binding it fails). */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once("error", () => res(true));
    srv.listen(port, "127.0.0.1", () => srv.close(() => res(false)));
  });
}
