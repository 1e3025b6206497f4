/**
 * A lost database under load (a real PostgreSQL server stopped and started under the running service): requests
 * get 503 with a reason and a retry hint, never a 500 or a dropped connection; /health says the database is
 * unavailable; /metrics still answers (the service does not look down as a whole); the process stays up; and
 * once PostgreSQL is back the service serves again by itself, within seconds.
 */
import { describe, expect, it } from "vitest";
import { startService } from "../../testkit/service-process";
import { postgres, storeEnv } from "../helpers/stores";

type Phase = "before" | "down" | "back";

describe("lost database under load (postgres store, real server stopped and restarted)", () => {
  it("503 with a reason while PostgreSQL is down, no 5xx else, and recovery without a restart", async () => {
    const env = { RATE_LIMIT_PER_MINUTE: "10000000", LOG_LEVEL: "warn", ...(await storeEnv("postgres")) };
    const svc = await startService({ env });
    const pg = await postgres();
    const statuses: Record<Phase, Map<number, number>> = { before: new Map(), down: new Map(), back: new Map() };
    const reasons = new Set<string>();
    let retryAfter: string | null = null;
    let phase: Phase = "before";
    let stop = false;
    const count = (status: number) => statuses[phase].set(status, (statuses[phase].get(status) ?? 0) + 1);
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const write = i % 2 === 0;
        const r = await fetch(`${svc.publicUrl}/tasks${write ? "" : "?limit=20"}`, {
          method: write ? "POST" : "GET",
          headers: { ...svc.authHeaders, ...(write ? { "content-type": "application/json" } : {}) },
          body: write ? JSON.stringify({ title: `lost-${w}-${i}` }) : undefined,
        });
        count(r.status);
        if (r.status === 503) {
          reasons.add(((await r.json()) as { message: string }).message);
          retryAfter = r.headers.get("retry-after");
        } else await r.arrayBuffer();
        if (r.status === 503) await new Promise((res) => setTimeout(res, 20));
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    try {
      await new Promise((r) => setTimeout(r, 2000));

      phase = "down";
      await pg.stop("fast");
      const downAt = Date.now();
      // Wait until the service has answered 503 for a while (the pool notices at the next query).
      while ((statuses.down.get(503) ?? 0) < 200 && Date.now() - downAt < 15_000) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const health = await fetch(`${svc.publicUrl}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: "unavailable", reason: "database unavailable" });
      const metrics = await fetch(`${svc.metricsUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/http_requests_total\{[^}]*status_code="503"/);

      phase = "back";
      await pg.start();
      const backAt = Date.now();
      let recoveredMs = -1;
      while (Date.now() - backAt < 15_000) {
        const r = await fetch(`${svc.publicUrl}/health`);
        if (r.status === 200) {
          recoveredMs = Date.now() - backAt;
          break;
        }
        await new Promise((res) => setTimeout(res, 100));
      }
      // Let the workers run on the recovered database for a moment.
      const okBefore = (statuses.back.get(201) ?? 0) + (statuses.back.get(200) ?? 0);
      await new Promise((r) => setTimeout(r, 1500));
      stop = true;
      await Promise.all(workers);
      const okAfter = (statuses.back.get(201) ?? 0) + (statuses.back.get(200) ?? 0);
      const show = (p: Phase) => Object.fromEntries(statuses[p]);
      console.log(
        `lost database: before ${JSON.stringify(show("before"))}, down ${JSON.stringify(show("down"))}, ` +
          `back ${JSON.stringify(show("back"))}; healthy again ${recoveredMs} ms after PostgreSQL started`,
      );

      expect([...statuses.before.keys()].sort()).toEqual([200, 201]);
      // While down: 503s (and the requests that completed before the pool noticed), never a 500.
      expect(statuses.down.get(503)).toBeGreaterThanOrEqual(200);
      expect([...statuses.down.keys()].filter((s) => ![200, 201, 503].includes(s))).toEqual([]);
      expect([...reasons]).toEqual(["database unavailable; retry later"]);
      expect(retryAfter).toBe("5");
      expect(recoveredMs).toBeGreaterThanOrEqual(0);
      expect(recoveredMs).toBeLessThan(10_000);
      expect(okAfter - okBefore).toBeGreaterThan(50);
      expect([...statuses.back.keys()].filter((s) => ![200, 201, 503].includes(s))).toEqual([]);
      expect(svc.proc.exitCode).toBeNull();
      expect(svc.logs().some((l) => l.includes('"event":"database_unavailable"'))).toBe(true);
    } finally {
      stop = true;
      await Promise.allSettled(workers);
      await svc.kill();
    }
  }, 90_000);
});
