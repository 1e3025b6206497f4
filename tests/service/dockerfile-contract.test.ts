/**
 * service/Dockerfile restates the service's contract (service/src/contract.ts): the two ports in its runtime stage's
 * ENV and EXPOSE, and the port and path its HEALTHCHECK asks. Read here from the Dockerfile's text, so a port or the
 * path changed on one side only fails. The health check's command is run as the image would run it (with the
 * stage's ENV, fetch stubbed), so what is compared is the URL it asks, not how it is spelled.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/paths";
import { DEFAULT_PORTS, HEALTH_PATH } from "../../service/src/contract";

interface Instruction {
  keyword: string;
  args: string;
}

/** The instructions of each build stage, in order: comments and blank lines dropped, continuation lines joined. */
function stages(dockerfile: string): Instruction[][] {
  const instructions: string[] = [];
  let pending = "";
  for (const line of dockerfile.split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(line)) continue;
    const continued = /\\\s*$/.test(line);
    pending += (pending ? " " : "") + line.replace(/\\\s*$/, "").trim();
    if (!continued) {
      instructions.push(pending);
      pending = "";
    }
  }
  const result: Instruction[][] = [];
  for (const text of instructions) {
    const [, word, args] = /^(\S+)\s*(.*)$/.exec(text)!;
    const keyword = word.toUpperCase();
    if (keyword === "FROM") result.push([]);
    result.at(-1)?.push({ keyword, args });
  }
  return result;
}

/**
 * Variables set by the stage's ENV instructions: `KEY=value ...` pairs (a value may be double-quoted, without
 * spaces), or the one-variable `KEY value` form.
 */
function envOf(stage: Instruction[]): Record<string, string> {
  const unquote = (value: string) => value.replace(/^"(.*)"$/, "$1");
  const env: Record<string, string> = {};
  for (const { args } of stage.filter((i) => i.keyword === "ENV")) {
    const words = args.split(/\s+/);
    if (!words[0].includes("=")) env[words[0]] = unquote(words.slice(1).join(" "));
    else for (const word of words) env[word.slice(0, word.indexOf("="))] = unquote(word.slice(word.indexOf("=") + 1));
  }
  return env;
}

/** Ports of the stage's EXPOSE instructions, protocol suffix dropped. */
function exposedPorts(stage: Instruction[]): number[] {
  return stage
    .filter((i) => i.keyword === "EXPOSE")
    .flatMap((i) => i.args.split(/\s+/))
    .map((port) => Number(port.replace(/\/(tcp|udp)$/, "")));
}

/** The URL the HEALTHCHECK's `node -e` command fetches, given the container's environment. */
function healthCheckUrl(stage: Instruction[], env: Record<string, string>): string {
  const healthChecks = stage.filter((i) => i.keyword === "HEALTHCHECK");
  expect(healthChecks).toHaveLength(1);
  const command = /\bCMD\s+(\[.*\])$/.exec(healthChecks[0].args)?.[1];
  expect(command, "the HEALTHCHECK's CMD in exec form").toBeDefined();
  const [program, flag, script] = JSON.parse(command!) as string[];
  expect([program, flag]).toEqual(["node", "-e"]);
  const asked: string[] = [];
  const fetch = (url: string) => {
    asked.push(url);
    return new Promise<never>(() => {});
  };
  new Function("fetch", "process", script)(fetch, { env, exit: () => {} });
  expect(asked).toHaveLength(1);
  return asked[0];
}

const runtime = stages(readFileSync(join(REPO_ROOT, "service", "Dockerfile"), "utf8")).at(-1)!;

describe("service/Dockerfile against the service's contract (service/src/contract.ts)", () => {
  it("sets PORT and METRICS_PORT to the contract's default ports", () => {
    const env = envOf(runtime);
    expect(env.PORT).toBe(String(DEFAULT_PORTS.app));
    expect(env.METRICS_PORT).toBe(String(DEFAULT_PORTS.metrics));
  });

  it("exposes exactly the contract's two ports", () => {
    const ascending = (a: number, b: number) => a - b;
    expect(exposedPorts(runtime).sort(ascending)).toEqual([DEFAULT_PORTS.app, DEFAULT_PORTS.metrics].sort(ascending));
  });

  it("health-checks the contract's health path on the app port, the image's own and an overridden one", () => {
    const env = envOf(runtime);
    expect(healthCheckUrl(runtime, env)).toBe(`http://127.0.0.1:${DEFAULT_PORTS.app}${HEALTH_PATH}`);
    const withoutPort = Object.fromEntries(Object.entries(env).filter(([key]) => key !== "PORT"));
    expect(healthCheckUrl(runtime, withoutPort)).toBe(`http://127.0.0.1:${DEFAULT_PORTS.app}${HEALTH_PATH}`);
    expect(healthCheckUrl(runtime, { ...env, PORT: "8081" })).toBe(`http://127.0.0.1:8081${HEALTH_PATH}`);
  });
});
