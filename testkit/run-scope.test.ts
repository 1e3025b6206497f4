import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { closeRunScope, openRunScope, processesOf, RUN_SCOPE_ENV } from "./run-scope";

// The run scope is what lets the global teardown fail a run that leaves a server behind: here, a nested scope of
// its own (inside this run's), with real processes.
const saved = { mark: process.env[RUN_SCOPE_ENV], tmp: process.env.TMPDIR };
afterEach(() => {
  process.env[RUN_SCOPE_ENV] = saved.mark;
  process.env.TMPDIR = saved.tmp;
});

describe("run scope (testkit/run-scope.ts)", () => {
  it("finds a process that carries the scope's mark, stops it, and removes the scope's files; others are left alone", async () => {
    const scope = openRunScope(tmpdir());
    expect(process.env.TMPDIR).toBe(scope.tmp);
    writeFileSync(join(scope.tmp, "left-behind"), "x");
    // Inherits the mark, as every server a helper starts does; the other is started without it.
    const marked = spawn("sleep", ["60"], { stdio: "ignore" });
    const unmarked = spawn("sleep", ["60"], { stdio: "ignore", env: { PATH: process.env.PATH } });
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(processesOf(scope.dir).map((p) => p.pid)).toEqual([marked.pid]);
      const exited = new Promise((r) => marked.once("exit", r));
      const left = closeRunScope(scope);
      expect(left).toEqual([{ pid: marked.pid, ppid: process.pid, command: "sleep 60" }]);
      expect(await exited).toBeDefined();
      expect(unmarked.exitCode).toBeNull();
      expect(existsSync(scope.dir)).toBe(false);
    } finally {
      marked.kill("SIGKILL");
      unmarked.kill("SIGKILL");
    }
  });

  it("spares what the caller names (a runner's own workers), and still stops and reports the rest", async () => {
    const scope = openRunScope(tmpdir());
    const worker = spawn("sleep", ["61"], { stdio: "ignore" });
    const server = spawn("sleep", ["62"], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const left = closeRunScope(scope, (p) => p.ppid === process.pid && p.command === "sleep 61");
      expect(left.map((p) => p.command)).toEqual(["sleep 62"]);
      expect(worker.exitCode).toBeNull();
      expect(worker.signalCode).toBeNull();
    } finally {
      worker.kill("SIGKILL");
      server.kill("SIGKILL");
    }
  });

  it("reports nothing when every process it started has stopped", () => {
    const scope = openRunScope(tmpdir());
    expect(closeRunScope(scope)).toEqual([]);
    expect(existsSync(scope.dir)).toBe(false);
  });
});
