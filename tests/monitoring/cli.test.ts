/**
 * The command-line entry points and the local stack's guards: `npm run render` writes a bundle that the real
 * promtool/amtool accept and refuses bad arguments clearly; `npm run local` refuses bad ports; the local stack
 * refuses to start when a port is taken (rather than mistaking another process for its own).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { ensureBinaries } from "../../scripts/lib/binaries";
import { REPO_ROOT, startLocalStack } from "../../scripts/lib/local-stack";
import { tempDir } from "../../testkit/service-process";

const TSX = join(REPO_ROOT, "node_modules", ".bin", "tsx");
const bin = ensureBinaries();

function tsx(script: string, args: string[]) {
  const r = spawnSync(TSX, [join(REPO_ROOT, "scripts", script), ...args], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run render", () => {
  it("writes the dev bundle, which promtool and amtool accept", () => {
    const out = tempDir("render-dev-");
    const r = tsx("render.ts", ["--stack", "dev", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rendered \d+ files for stack dev/);
    expect(readdirSync(join(out, "prometheus", "rules")).sort()).toEqual([
      "hosts.yml",
      "meta.yml",
      "service.yml",
      "slo.yml",
    ]);
    expect(existsSync(join(out, "docker-compose.yml"))).toBe(true);
    const prom = spawnSync(bin.promtool, ["check", "config", join(out, "prometheus", "prometheus.yml")], {
      encoding: "utf8",
    });
    expect(prom.status, prom.stdout + prom.stderr).toBe(0);
    const am = spawnSync(bin.amtool, ["check-config", join(out, "alertmanager", "alertmanager.yml")], {
      encoding: "utf8",
    });
    expect(am.status, am.stdout + am.stderr).toBe(0);
  });

  it.each([
    ["dev", "15d"],
    ["prod", "30d"],
  ])(
    "prints the %s stack's own bundle: its retention, region and intervals, no made-up account, region or URL",
    (stack, retention) => {
      const r = tsx("render.ts", ["--stack", stack]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`--storage.tsdb.retention.time=${retention}`);
      expect(r.stdout).toMatch(/region: eu-west-1/);
      expect(r.stdout).toMatch(/scrape_interval: 15s/);
      expect(r.stdout).toContain(`retention ${retention}, scrape 15s, evaluation 15s`);
      expect(r.stdout).toContain("<appUrl from stack output>/health");
      expect(r.stdout).toContain(`arn:aws:sns:eu-west-1:<account id>:observed-app-${stack}-alerts`);
      for (const madeUp of ["123456789012", "us-east-1", "app.internal"]) expect(r.stdout).not.toContain(madeUp);
    },
  );

  it.each([
    [["--out", "/tmp/x"], /--stack=null is invalid: allowed values are local, test, dev, prod/],
    [
      ["--stack", "staging", "--out", "/tmp/x"],
      /--stack="staging" is invalid: allowed values are local, test, dev, prod/,
    ],
    [["--stack", "local", "--out"], /argument missing/],
    [["--stack", "local", "--out", "/tmp/x", "--colour"], /Unknown option '--colour'/],
  ])("refuses %j with a usage message (exit 2)", (args, message) => {
    const r = tsx("render.ts", args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/usage: npm run render -- --stack local\|test\|dev\|prod --out DIR/);
  });
});

describe("npm run local and the local stack's guards", () => {
  let server: Server;
  let busyPort = 0;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", () => res()));
    const addr = server.address();
    busyPort = typeof addr === "object" && addr ? addr.port : 0;
  });
  afterAll(() => new Promise<void>((res) => server.close(() => res())));

  it("refuses a bad port flag naming it and the allowed values", () => {
    const r = tsx("local.ts", ["--prometheus-port", "99999"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--prometheus-port="99999" is invalid: expected a port number 1-65535/);
    expect(r.stderr).toMatch(/--free-ports/);
  });

  it("refuses to start when a port is already taken, naming the port, and starts nothing", async () => {
    const dir = tempDir("local-busy-");
    await expect(startLocalStack({ profile: "test", dir, ports: { prometheus: busyPort } })).rejects.toThrow(
      new RegExp(`ports already in use on 127\\.0\\.0\\.1: .*prometheus=${busyPort}`),
    );
    // Nothing was rendered or started: the check runs before any child process.
    expect(existsSync(join(dir, "bundle"))).toBe(false);
  });
});
