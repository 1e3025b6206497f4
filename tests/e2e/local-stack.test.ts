/**
 * End to end on loopback with the real binaries: the local stack (short-interval test profile, free ports)
 * comes up, every target is up, every rule loads and evaluates cleanly, every dashboard panel query returns
 * data, and alerts travel Prometheus → Alertmanager → receiver for real faults.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../scripts/lib/local-stack";
import { tempDir } from "../../testkit/service-process";

let stack: LocalStack;

async function prom<T>(path: string): Promise<T> {
  const r = await fetch(`${stack.urls.prometheus}${path}`);
  const body = (await r.json()) as { status: string; data: T; error?: string };
  if (body.status !== "success") throw new Error(`${path}: ${body.error}`);
  return body.data;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function eventually(check: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

/** Background traffic: creates, reads, lists, and some 401/404s, until stopped. */
function traffic() {
  let running = true;
  const auth = { authorization: `Bearer ${stack.token}`, "content-type": "application/json" };
  const worker = async () => {
    while (running) {
      try {
        const c = await fetch(`${stack.urls.app}/tasks`, { method: "POST", headers: auth, body: '{"title":"e2e"}' });
        if (c.status === 201) {
          const { id } = (await c.json()) as { id: string };
          await fetch(`${stack.urls.app}/tasks/${id}`, { headers: auth });
        }
        await fetch(`${stack.urls.app}/tasks?limit=5`, { headers: auth });
        await fetch(`${stack.urls.app}/tasks`, { headers: { authorization: "Bearer wrong" } });
        await fetch(`${stack.urls.app}/no/such/page`);
      } catch {
        // the service may be down on purpose
      }
      await sleep(20);
    }
  };
  const workers = [worker(), worker(), worker()];
  return async () => {
    running = false;
    await Promise.all(workers);
  };
}

beforeAll(async () => {
  stack = await startLocalStack({
    profile: "test",
    ports: "free",
    dir: tempDir("e2e-stack-"),
    serviceEnv: { FAULT_INJECTION: "on", RATE_LIMIT_PER_MINUTE: "1000000" },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe("local stack end to end (real Prometheus, Alertmanager, exporters)", () => {
  it("every target is up", async () => {
    await eventually(async () => {
      const t = await prom<{ activeTargets: { labels: { job: string }; health: string; lastError: string }[] }>(
        "/api/v1/targets",
      );
      const jobs = t.activeTargets.map((x) => `${x.labels.job}:${x.health}${x.lastError ? ` (${x.lastError})` : ""}`);
      expect(jobs.sort()).toEqual(
        ["alertmanager", "blackbox", "blackbox-http", "node", "prometheus", "taskflow"].map((j) => `${j}:up`).sort(),
      );
    }, 20_000);
  });

  it("all rule groups load and evaluate without errors; Watchdog reaches the heartbeat receiver", async () => {
    await sleep(3000);
    const r = await prom<{ groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] }>(
      "/api/v1/rules",
    );
    expect(r.groups.map((g) => g.name).sort()).toEqual(["hosts", "meta", "taskflow-service", "taskflow-slo"]);
    const bad = r.groups.flatMap((g) => g.rules).filter((x) => x.health !== "ok" || x.lastError);
    expect(bad).toEqual([]);
    const n = await stack.waitForNotification((x) => x.alertname === "Watchdog", 20_000);
    expect(n.receiver).toBe("heartbeat");
  });

  it("with 50 % injected errors, every dashboard panel returns data and HighErrorRate + the SLO page reach the page receiver", async () => {
    const stop = traffic();
    try {
      await fetch(`${stack.urls.appMetrics}/fault`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ errorRate: 0.5 }),
      });
      const high = stack.waitForNotification((n) => n.alertname === "HighErrorRate" && n.status === "firing", 60_000);
      const slo = stack.waitForNotification(
        (n) => n.alertname === "SLOErrorBudgetBurnPage" && n.status === "firing",
        60_000,
      );
      await sleep(12_000);

      // Every panel query of every dashboard (Prometheus datasource) must return at least one series.
      const panels = Object.entries(stack.bundle)
        .filter(([p]) => p.startsWith("grafana/dashboards/"))
        .flatMap(([p, c]) =>
          (JSON.parse(c) as { panels: { title: string; targets: { expr?: string }[] }[] }).panels.flatMap((panel) =>
            panel.targets
              .filter((t) => t.expr)
              .map((t) => ({ where: `${p} › ${panel.title}`, expr: t.expr as string })),
          ),
        );
      expect(panels.length).toBeGreaterThan(20);
      // As Grafana sends them with every variable on "All" (`.*`).
      const expand = (expr: string, vars: Record<string, string>) =>
        Object.entries(vars).reduce(
          (e, [k, v]) => e.replaceAll(`$${k}`, v),
          expr.replaceAll("$__rate_interval", "15s"),
        );
      const all = { job: ".*", instance: ".*" };
      const empty: string[] = [];
      for (const { where, expr } of panels) {
        const q = expand(expr, all);
        const d = await prom<{ result: unknown[] }>(`/api/v1/query?query=${encodeURIComponent(q)}`);
        if (d.result.length === 0) empty.push(`${where}: ${q}`);
      }
      expect(empty).toEqual([]);

      // The variables resolve as Grafana resolves label_values(): the label values API with the selector.
      const variables = Object.entries(stack.bundle)
        .filter(([p]) => p.startsWith("grafana/dashboards/"))
        .flatMap(([p, c]) =>
          (JSON.parse(c) as { templating: { list: { name: string; type: string; query: string }[] } }).templating.list
            .filter((v) => v.type === "query")
            .map((v) => ({ where: `${p} › $${v.name}`, query: v.query })),
        );
      expect(variables.length).toBe(6);
      for (const { where, query } of variables) {
        const [, selector, label] = /^label_values\((.+), (\w+)\)$/.exec(query)!;
        const values = await prom<string[]>(
          `/api/v1/label/${label}/values?${new URLSearchParams({ "match[]": expand(selector, all) })}`,
        );
        expect(values.length, `${where}: ${query}`).toBeGreaterThan(0);
        if (where.includes("service.json") && label === "job") expect(values).toEqual(["taskflow"]);
        if (where.includes("host.json") && label === "job") expect(values).toEqual(["node"]);
      }
      // And the panels follow them: the app's own instance gives data, an instance that does not exist none.
      const perInstance = panels.filter((p) => p.where.endsWith("Request rate by instance"));
      expect(perInstance).toHaveLength(1);
      const instanceQuery = (instance: string) =>
        prom<{ result: unknown[] }>(
          `/api/v1/query?query=${encodeURIComponent(expand(perInstance[0].expr, { job: "taskflow", instance }))}`,
        );
      expect((await instanceQuery(`127.0.0.1:${stack.ports.appMetrics}`)).result).toHaveLength(1);
      expect((await instanceQuery("nowhere:1")).result).toHaveLength(0);

      const [h, s] = await Promise.all([high, slo]);
      expect(h.receiver).toBe("page");
      expect(h.labels.severity).toBe("critical");
      expect(s.receiver).toBe("page");
    } finally {
      await fetch(`${stack.urls.appMetrics}/fault`, { method: "DELETE" });
      await stop();
    }
  }, 120_000);

  it("killing the service makes ServiceDown reach the page receiver, and restarting it sends the resolution", async () => {
    await stack.stopProcess("service", "SIGKILL");
    const n = await stack.waitForNotification((x) => x.alertname === "ServiceDown" && x.status === "firing", 60_000);
    expect(n.receiver).toBe("page");
    expect(n.labels.job).toBe("taskflow");

    // Back up: the resolution reaches the same receiver.
    await stack.startProcess("service");
    const resolved = await stack.waitForNotification(
      (x) => x.alertname === "ServiceDown" && x.status === "resolved" && x.receivedAt > n.receivedAt,
      60_000,
    );
    expect(resolved.receiver).toBe("page");
  }, 120_000);

  // Runs last: it posts synthetic alerts (job "inhibition-check") straight to Alertmanager.
  it("Alertmanager inhibition: ServiceDown mutes its instance's other alerts, critical mutes the same alert's warning", async () => {
    const endsAt = new Date(Date.now() + 5 * 60_000).toISOString();
    const alert = (alertname: string, severity: string, instance: string) => ({
      labels: { alertname, severity, instance, job: "inhibition-check" },
      annotations: { summary: "synthetic" },
      endsAt,
    });
    const posted = await fetch(`${stack.urls.alertmanager}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        alert("ServiceDown", "critical", "a:1"),
        alert("SlowQueries", "warning", "a:1"),
        alert("Watchdog", "info", "a:1"),
        alert("SlowQueries", "warning", "b:1"),
        alert("HostDiskAlmostFull", "critical", "c:1"),
        alert("HostDiskAlmostFull", "warning", "c:1"),
        alert("HostHighCpu", "warning", "c:1"),
      ]),
    });
    expect(posted.status).toBe(200);
    const r = await fetch(
      `${stack.urls.alertmanager}/api/v2/alerts?filter=${encodeURIComponent('job="inhibition-check"')}`,
    );
    const alerts = (await r.json()) as { labels: Record<string, string>; status: { inhibitedBy: string[] } }[];
    const muted = Object.fromEntries(
      alerts.map((a) => [
        `${a.labels.alertname}/${a.labels.severity}@${a.labels.instance}`,
        a.status.inhibitedBy.length > 0,
      ]),
    );
    expect(muted).toEqual({
      "ServiceDown/critical@a:1": false,
      "SlowQueries/warning@a:1": true, // ServiceDown on the same job and instance
      "Watchdog/info@a:1": false, // the heartbeat is never muted
      "SlowQueries/warning@b:1": false, // another instance
      "HostDiskAlmostFull/critical@c:1": false,
      "HostDiskAlmostFull/warning@c:1": true, // critical of the same alert and instance
      "HostHighCpu/warning@c:1": false, // a different alert
    });
  });
});
