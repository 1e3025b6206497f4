import { afterEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import {
  createTasks,
  SERVICE_ENTRY,
  REPO_ROOT,
  startService,
  type ServiceProcess,
} from "../../testkit/service-process";

const running: ServiceProcess[] = [];
async function start(...args: Parameters<typeof startService>) {
  const s = await startService(...args);
  running.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.kill()));
});

describe("TaskFlow as a process (real HTTP over loopback)", () => {
  it("serves the public API on PORT and /metrics only on METRICS_PORT", async () => {
    const svc = await start();
    expect((await fetch(`${svc.publicUrl}/metrics`)).status).toBe(404);
    const m = await fetch(`${svc.metricsUrl}/metrics`);
    expect(m.status).toBe(200);
    expect(await m.text()).toContain("http_requests_total");
    expect((await fetch(`${svc.publicUrl}/tasks`)).status).toBe(401);
    expect((await fetch(`${svc.publicUrl}/tasks`, { headers: svc.authHeaders })).status).toBe(200);
  });

  it("a task acknowledged with 201 survives SIGKILL and restart", async () => {
    const svc = await start();
    const ids = await createTasks(svc, 20, "durable"); // each answered 201
    await svc.kill();
    const again = await start({ dbPath: svc.dbPath, token: svc.token });
    for (const id of ids) {
      const r = await fetch(`${again.publicUrl}/tasks/${id}`, { headers: again.authHeaders });
      expect(r.status).toBe(200);
    }
  });

  it("SIGTERM drains an in-flight request, then exits 0", async () => {
    const svc = await start({ env: { FAULT_INJECTION: "on" } });
    await fetch(`${svc.metricsUrl}/fault`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ latencyMs: 1500 }),
    });
    const inflight = fetch(`${svc.publicUrl}/`);
    await new Promise((r) => setTimeout(r, 300));
    const exit = svc.stop("SIGTERM");
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(await exit).toBe(0);
    expect(svc.logs().some((l) => l.includes('"event":"stopped"'))).toBe(true);
  });

  it("fault routes do not exist unless FAULT_INJECTION=on", async () => {
    const svc = await start();
    const r = await fetch(`${svc.metricsUrl}/fault`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ errorRate: 1 }),
    });
    expect(r.status).toBe(404);
    expect((await fetch(`${svc.publicUrl}/`)).status).toBe(200);
  });

  it("refuses to start without API_TOKEN and names the variable", () => {
    const env = { ...process.env };
    delete env.API_TOKEN;
    const r = spawnSync(process.execPath, ["--import", "tsx", SERVICE_ENTRY], {
      cwd: REPO_ROOT,
      env,
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/API_TOKEN is required/);
  });
});
