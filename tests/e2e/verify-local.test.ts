/** `npm run verify` checks, for real, against the local stack (real Prometheus, Alertmanager, service). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../scripts/lib/local-stack";
import { checksFor, runChecks } from "../../scripts/verify";
import { tempDir } from "../../testkit/service-process";

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ profile: "test", ports: "free", dir: tempDir("verify-stack-") });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe("verify against the local stack", () => {
  const outputs = () => ({
    appUrl: stack.urls.app,
    prometheusUrl: stack.urls.prometheus,
    alertmanagerUrl: stack.urls.alertmanager,
  });

  it("passes every check when the stack is healthy", async () => {
    const lines: string[] = [];
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      lines.length = 0;
      ok = await runChecks(checksFor(outputs()), (l) => lines.push(l));
      if (!ok) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(ok, lines.join("\n")).toBe(true);
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => l.startsWith("✓"))).toBe(true);
  }, 60_000);

  it("fails, naming the target, when a target is down and when Alertmanager is gone", async () => {
    await stack.stopProcess("node");
    await stack.stopProcess("alertmanager");
    const lines: string[] = [];
    let ok = true;
    for (let i = 0; i < 20; i++) {
      lines.length = 0;
      ok = await runChecks(checksFor(outputs()), (l) => lines.push(l));
      if (lines.some((l) => l.startsWith("✗ Prometheus targets up") && l.includes("node/"))) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(ok).toBe(false);
    expect(lines.find((l) => l.includes("Alertmanager ready"))).toMatch(/^✗/);
    expect(lines.find((l) => l.includes("targets up"))).toMatch(/^✗.*node\//);
    expect(lines.find((l) => l.includes("app /health"))).toMatch(/^✓/);
  }, 60_000);
});
