/**
 * Faults in the monitoring itself, on the real binaries (local stack, short-interval test profile, free
 * loopback ports): an exporter dies, Alertmanager goes away and comes back, a broken rule file is deployed.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBinaries } from "../../scripts/lib/binaries";
import { startLocalStack, type LocalStack } from "../../scripts/lib/local-stack";
import { tempDir } from "../../testkit/service-process";

let stack: LocalStack;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function prom<T>(path: string): Promise<T> {
  const r = await fetch(`${stack.urls.prometheus}${path}`);
  const body = (await r.json()) as { status: string; data: T; error?: string };
  if (body.status !== "success") throw new Error(`${path}: ${body.error}`);
  return body.data;
}
const scalar = async (q: string) => {
  const d = await prom<{ result: { value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(q)}`);
  return d.result.map((x) => Number(x.value[1]));
};
/** The query's values once they equal `want` (Prometheus sees its own state one scrape later). */
async function settles(q: string, want: number[], timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let got = await scalar(q);
  while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < deadline) {
    await sleep(250);
    got = await scalar(q);
  }
  return got;
}
type Alert = { labels: Record<string, string>; state: string };
async function firing(name: string, timeoutMs: number, match: (a: Alert) => boolean = () => true): Promise<Alert> {
  const deadline = Date.now() + timeoutMs;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    const { alerts } = await prom<{ alerts: Alert[] }>("/api/v1/alerts");
    const hit = alerts.find((a) => a.labels.alertname === name && a.state === "firing" && match(a));
    if (hit) return hit;
    seen = alerts.map((a) => `${a.labels.alertname}:${a.state}`);
    await sleep(500);
  }
  throw new Error(`${name} did not fire within ${timeoutMs} ms; alerts: ${seen.join(", ")}`);
}
const ruleNames = async () =>
  (await prom<{ groups: { rules: { name: string }[] }[] }>("/api/v1/rules")).groups
    .flatMap((g) => g.rules.map((r) => r.name))
    .sort();

beforeAll(async () => {
  stack = await startLocalStack({ profile: "test", ports: "free", dir: tempDir("faults-stack-") });
  // Every target scraped at least once before faults start.
  const deadline = Date.now() + 30_000;
  while ((await scalar("count(up == 1)"))[0] !== 6 && Date.now() < deadline) await sleep(500);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe("monitoring under faults (real Prometheus, Alertmanager, exporters)", () => {
  it("node_exporter killed → TargetDown fires for the node job and is notified; scraped again once restarted", async () => {
    await stack.stopProcess("node", "SIGKILL");
    const alert = await firing("TargetDown", 30_000, (a) => a.labels.job === "node");
    expect(alert.labels.severity).toBe("warning");
    const n = await stack.waitForNotification((x) => x.alertname === "TargetDown" && x.status === "firing", 20_000);
    expect(n.labels.job).toBe("node");
    await stack.startProcess("node");
    expect(await settles('up{job="node"}', [1], 20_000)).toEqual([1]);
  }, 60_000);

  it("Alertmanager stopped → PrometheusNotificationErrors fires and is delivered once Alertmanager is back", async () => {
    const before = stack.receiver.notifications.length;
    await stack.stopProcess("alertmanager");
    const stoppedAt = Date.now();
    // Watchdog is always firing, so Prometheus keeps trying (and failing) to send while Alertmanager is gone.
    const alert = await firing("PrometheusNotificationErrors", 40_000);
    expect(alert.labels.severity).toBe("warning");
    expect((await scalar("sum(prometheus_notifications_errors_total)"))[0]).toBeGreaterThan(0);
    expect(stack.receiver.notifications.length).toBe(before); // nothing gets through meanwhile
    await stack.startProcess("alertmanager");
    const n = await stack.waitForNotification(
      (x) => x.alertname === "PrometheusNotificationErrors" && x.status === "firing" && x.receivedAt > stoppedAt,
      30_000,
    );
    expect(n.receiver).toBe("ticket");
  }, 90_000);

  it("an invalid rule file: promtool rejects it, and a running Prometheus keeps its old rules after a reload", async () => {
    const bin = ensureBinaries(() => {});
    const file = join(stack.dir, "bundle", "prometheus", "rules", "meta.yml");
    const good = readFileSync(file, "utf8");
    const rulesBefore = await ruleNames();
    expect(rulesBefore).toContain("PrometheusConfigReloadFailed");
    const bad = good.replace(
      "prometheus_config_last_reload_successful == 0",
      "prometheus_config_last_reload_successful ==",
    );
    expect(bad).not.toBe(good);

    const broken = join(tempDir("bad-rules-"), "meta.yml");
    writeFileSync(broken, bad);
    const check = spawnSync(bin.promtool, ["check", "rules", broken], { encoding: "utf8" });
    expect(check.status).not.toBe(0);
    expect(check.stdout + check.stderr).toMatch(/parse error|unexpected end of input/i);
    expect(spawnSync(bin.promtool, ["check", "rules", file], { encoding: "utf8" }).status).toBe(0);

    writeFileSync(file, bad);
    try {
      const reload = await fetch(`${stack.urls.prometheus}/-/reload`, { method: "POST" });
      expect(reload.status).toBe(500);
      expect(await reload.text()).toMatch(/failed to reload config/);
      expect(await settles("prometheus_config_last_reload_successful", [0])).toEqual([0]);
      expect(await ruleNames()).toEqual(rulesBefore); // the old rules are still loaded and evaluated
      const alert = await firing("PrometheusConfigReloadFailed", 30_000);
      expect(alert.labels.severity).toBe("warning");
    } finally {
      writeFileSync(file, good);
    }
    expect((await fetch(`${stack.urls.prometheus}/-/reload`, { method: "POST" })).status).toBe(200);
    expect(await settles("prometheus_config_last_reload_successful", [1])).toEqual([1]);
  }, 60_000);
});
