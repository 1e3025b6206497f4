/**
 * The host scripts and the contract (monitoring-config/contract.ts): ports and paths the contract states are
 * handed to the scripts as environment, never written in them; and every variable a script requires
 * (`: "${NAME:?}"`) is set, non-empty, by the TypeScript prelude that runs it (mock-level: the remote steps of dev's
 * host tier and monitoring host as the program registers them, and prod's fleet user data as the rehearsal
 * captures it), with the contract's value where the variable carries a contract fact.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { hostScript } from "../../components/host-scripts";
import { DEFAULT_PORTS, HEALTH_PATH, MONITORING_PORTS } from "../../monitoring-config/contract";
import { runStack, TEST_API_TOKEN, type StackRun } from "../../scripts/lib/program-mocks";
import { captureFleetUserDataInChild } from "../../testkit/rehearsal/fleet-capture";

const DIR = join(__dirname, "..", "..", "components", "host-scripts");
const files = readdirSync(DIR).filter((f) => f.endsWith(".sh"));
/** The scripts a prelude runs (common.sh is inlined into each of them). */
const scripts = files.filter((f) => f !== "common.sh");

/** The contract's ports and the health path, each with a pattern that finds it written out in a script. */
const FACTS: { fact: string; pattern: RegExp }[] = [
  ...[...Object.values(DEFAULT_PORTS), ...Object.values(MONITORING_PORTS)].map((port) => ({
    fact: `port ${port}`,
    // A number on its own (13000 is not 3000).
    pattern: new RegExp(`(?<![0-9])${port}(?![0-9])`),
  })),
  { fact: `health path ${HEALTH_PATH}`, pattern: new RegExp(`${HEALTH_PATH.replace(/[/.]/g, "\\$&")}(?![\\w-])`) },
];

/** The contract's facts a script may read, by the variable its prelude sets. */
const CONTRACT_VARIABLES: Record<string, string> = {
  NODE_EXPORTER_PORT: String(MONITORING_PORTS.nodeExporter),
  PROMETHEUS_PORT: String(MONITORING_PORTS.prometheus),
  ALERTMANAGER_PORT: String(MONITORING_PORTS.alertmanager),
  HEALTH_PATH,
};

/** `file:line: fact` for every contract fact written out in a script's text (comments included). */
function literals(name: string, text: string): string[] {
  return text
    .split("\n")
    .flatMap((line, i) =>
      FACTS.filter(({ pattern }) => pattern.test(line)).map(({ fact }) => `${name}:${i + 1}: ${fact}`),
    );
}

/** The variables a script requires to be set and non-empty (`${NAME:?…}`). */
const required = (script: string) => [...new Set([...script.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]))].sort();

/** What a prelude (shell: `export` lines) sets, evaluated by bash with an otherwise empty environment. */
function evaluate(prelude: string): Record<string, string> {
  const r = spawnSync("bash", ["--noprofile", "--norc", "-c", `${prelude}\nenv -0`], {
    env: { PATH: process.env.PATH },
    encoding: "utf8",
  });
  expect(r.status, r.stderr).toBe(0);
  return Object.fromEntries(
    r.stdout
      .split("\0")
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
}

/** What a prelude leaves out of what its script requires, and contract facts it sets to another value. */
function shortfall(script: string, prelude: string): string[] {
  const env = evaluate(prelude);
  return required(script).flatMap((name) => {
    if (!env[name]) return [`${name} is not set`];
    const fact = CONTRACT_VARIABLES[name];
    return fact !== undefined && env[name] !== fact ? [`${name}=${env[name]}, the contract says ${fact}`] : [];
  });
}

describe("host scripts and the contract", () => {
  it("no script writes out a port of the contract or the health path: they arrive as environment", () => {
    expect(files.length).toBeGreaterThan(1);
    expect(files.flatMap((f) => literals(f, readFileSync(join(DIR, f), "utf8")))).toEqual([]);
  });

  it("the scan finds a written-out port or health path (and not a number that merely contains a port)", () => {
    const script = [
      "docker run node-exporter --web.listen-address=:9100",
      'curl "http://127.0.0.1:$PORT/health"',
      "SLOT_PORT_BASE=13000",
      'curl "http://127.0.0.1:$PORT$HEALTH_PATH"',
    ].join("\n");
    expect(literals("x.sh", script)).toEqual(["x.sh:1: port 9100", "x.sh:2: health path /health"]);
  });

  it("required variables are found, and a prelude that leaves one out, or sets a contract fact otherwise, falls short", () => {
    const script = ': "${A:?}" "${NODE_EXPORTER_PORT:?}"\n: "${HEALTH_PATH:?no path}"\necho "${B:-default}"';
    expect(required(script)).toEqual(["A", "HEALTH_PATH", "NODE_EXPORTER_PORT"]);
    expect(shortfall(script, "export A=1 NODE_EXPORTER_PORT=9100 HEALTH_PATH=/health")).toEqual([]);
    expect(shortfall(script, "export A= NODE_EXPORTER_PORT=9101")).toEqual([
      "A is not set",
      "HEALTH_PATH is not set",
      "NODE_EXPORTER_PORT=9101, the contract says 9100",
    ]);
  });

  describe("every variable a script requires is set by the prelude that runs it (mock-level)", () => {
    let dev: StackRun;
    let fleetUserData: string;
    beforeAll(async () => {
      [dev, { userData: fleetUserData }] = await Promise.all([
        runStack("dev"),
        captureFleetUserDataInChild({ stack: "prod", apiToken: TEST_API_TOKEN }),
      ]);
    }, 120_000);

    it("dev's remote steps (the app host and the monitoring host): `export …` ahead of the script", () => {
      const ran = new Set<string>();
      for (const step of dev.byType("command:remote:Command")) {
        const create = String(step.inputs.create);
        const name = scripts.find((s) => create.endsWith(`\n${hostScript(s)}`));
        if (!name) continue;
        ran.add(name);
        const prelude = create.slice(0, create.length - hostScript(name).length);
        expect(prelude, step.name).toMatch(/^export [^\n]+\n$/);
        expect(shortfall(hostScript(name), prelude), `${step.name} (${name})`).toEqual([]);
      }
      // Every script but the fleet's user data (below) runs as a remote step in dev.
      expect([...ran].sort()).toEqual(scripts.filter((s) => s !== "app-fleet-init.sh").sort());
    });

    it("prod's fleet user data: `export` lines between the shebang and app-fleet-init.sh", () => {
      const script = hostScript("app-fleet-init.sh");
      const body = script.slice(script.indexOf("\n") + 1);
      expect(fleetUserData.endsWith(`\n${body}`)).toBe(true);
      const prelude = fleetUserData.slice(0, fleetUserData.length - body.length);
      expect(prelude).toMatch(/^#!.*\n(export \w+='[^']*'\n)+$/);
      expect(shortfall(script, prelude)).toEqual([]);
    });
  });
});
