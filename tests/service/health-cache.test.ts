/**
 * /health is public and exempt from the rate limit, so its database probe is cached for HEALTH_CACHE_MS and shared
 * by concurrent requests: a flood of health checks costs the database about one query a second, on the real
 * stores (a SQLite file, a PostgreSQL server). The cache does not hide a change for long: a database that goes
 * away is reported within about a second (at once when a request of the app's own sees it), and one that comes
 * back likewise. Probes are counted with a spy on the store's `ping`; the store underneath is the real one.
 *
 * Timing on a busy machine: the assertions are on counts (bounded by the time the burst took, not by a guess of
 * it), lower bounds the cache guarantees, and eventual states reached by polling. The cache's rules themselves
 * (expiry, single flight, a request's outcome ending a contradicted answer) are checked first on a clock the test
 * sets, where "at once" can be asserted exactly.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { join } from "node:path";
import { buildApp, type Service } from "../../service/src/app";
import { HEALTH_CACHE_MS, HealthCache } from "../../service/src/health-cache";
import { startPostgres, type PostgresServer } from "../../testkit/postgres-server";
import { tempDir } from "../../testkit/service-process";
import { STORES, storeOptions } from "../helpers/stores";

const TOKEN = "test-token-0123456789abcdef";
const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

const options = {
  apiToken: TOKEN,
  rateLimitPerMinute: 10_000,
  slowQueryMs: 1000,
  faultInjection: false,
  metricsEnabled: true,
  logLevel: "silent",
} as const;

/** Count the store's probes (and when each started), the real method still running underneath. */
function countProbes(svc: Service) {
  const starts: number[] = [];
  const ping = svc.store.ping.bind(svc.store);
  vi.spyOn(svc.store, "ping").mockImplementation(() => {
    starts.push(performance.now());
    return ping();
  });
  return starts;
}

/** Most probes a cache of HEALTH_CACHE_MS can run in `ms`: one, then at most one per expiry. */
const probeBound = (ms: number) => 1 + Math.floor(ms / HEALTH_CACHE_MS);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `check` every 50 ms until it holds or `limitMs` passes: how long it took, or -1. */
async function until(check: () => Promise<boolean>, limitMs = 15_000): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    if (await check()) return performance.now() - start;
    await sleep(50);
  }
  return -1;
}

describe("HealthCache on a clock the test sets", () => {
  function cacheWith(outcomes: boolean[]) {
    let clock = 0;
    let probes = 0;
    const cache = new HealthCache(
      async () => {
        if (!outcomes[probes++]) throw new Error("database unusable");
      },
      HEALTH_CACHE_MS,
      () => clock,
    );
    return { cache, probes: () => probes, at: (ms: number) => (clock = ms) };
  }

  it("one probe answers until HEALTH_CACHE_MS after it finished, healthy or not", async () => {
    const c = cacheWith([false, true]);
    expect(await c.cache.check()).toMatchObject({ ok: false, error: new Error("database unusable") });
    c.at(HEALTH_CACHE_MS - 1);
    expect(await c.cache.check()).toMatchObject({ ok: false });
    expect(c.probes()).toBe(1);
    c.at(HEALTH_CACHE_MS);
    expect(await c.cache.check()).toEqual({ ok: true });
    expect(c.probes()).toBe(2);
  });

  it("concurrent checks share the running probe", async () => {
    const c = cacheWith([true]);
    const results = await Promise.all(Array.from({ length: 100 }, () => c.cache.check()));
    expect(results).toEqual(results.map(() => ({ ok: true })));
    expect(c.probes()).toBe(1);
  });

  it("a query that contradicts the cached answer ends it; one that agrees does not", async () => {
    const c = cacheWith([true, false, true]);
    await c.cache.check();
    c.cache.observed(true);
    await c.cache.check();
    expect(c.probes()).toBe(1);
    c.cache.observed(false);
    expect(await c.cache.check()).toMatchObject({ ok: false });
    expect(c.probes()).toBe(2);
    c.cache.observed(false);
    await c.cache.check();
    expect(c.probes()).toBe(2);
    c.cache.observed(true);
    expect(await c.cache.check()).toEqual({ ok: true });
    expect(c.probes()).toBe(3);
  });
});

describe.each(STORES)("/health's database probe is cached and shared (%s store, real database)", (kind) => {
  let svc: Service;
  beforeAll(async () => {
    svc = await buildApp({ ...options, ...(await storeOptions(kind)) });
  }, 60_000);
  afterAll(() => svc?.close());

  it("200 concurrent and then sequential requests: all 200, at most one probe per cache period", async () => {
    const probes = countProbes(svc);
    const start = performance.now();
    const burst = await Promise.all(Array.from({ length: 200 }, () => svc.app.inject("/health")));
    const sequential = [];
    for (let i = 0; i < 100; i++) sequential.push(await svc.app.inject("/health"));
    for (let i = 0; i < 100; i++) sequential.push(await svc.metricsApp.inject("/health"));
    const elapsed = performance.now() - start;
    for (const r of [...burst, ...sequential]) {
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ status: "ok" });
    }
    expect(probes.length).toBeGreaterThanOrEqual(1);
    expect(probes.length, `${probes.length} probes for 400 requests in ${Math.round(elapsed)} ms`).toBeLessThanOrEqual(
      probeBound(elapsed),
    );
  });

  it("concurrent requests during a slow probe wait for that probe, not one each", async () => {
    vi.restoreAllMocks();
    await sleep(HEALTH_CACHE_MS + 50); // the previous test's cached answer has expired
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const ping = svc.store.ping.bind(svc.store);
    const spy = vi.spyOn(svc.store, "ping").mockImplementation(async () => {
      await gate;
      return ping();
    });
    const start = performance.now();
    const pending = Array.from({ length: 200 }, () => svc.app.inject("/health"));
    expect(await until(async () => spy.mock.calls.length > 0)).toBeGreaterThanOrEqual(0);
    await sleep(200); // the other requests reach the handler while the probe is held
    release();
    const answers = await Promise.all(pending);
    const elapsed = performance.now() - start;
    expect(answers.map((r) => r.statusCode)).toEqual(answers.map(() => 200));
    expect(spy.mock.calls.length).toBeLessThanOrEqual(probeBound(elapsed));
    expect(spy.mock.calls.length).toBeLessThan(10);
  });

  it("after the cache period a request probes again (and not before)", async () => {
    vi.restoreAllMocks();
    const probes = countProbes(svc);
    await sleep(HEALTH_CACHE_MS + 50);
    expect((await svc.app.inject("/health")).statusCode).toBe(200);
    expect(probes).toHaveLength(1);
    const waited = await until(async () => {
      expect((await svc.app.inject("/health")).statusCode).toBe(200);
      return probes.length === 2;
    });
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(probes[1] - probes[0]).toBeGreaterThanOrEqual(HEALTH_CACHE_MS);
  });
});

describe("a database that goes away and comes back (own PostgreSQL server, stopped and started)", () => {
  let pg: PostgresServer;
  let svc: Service;
  let stopped = false;
  const stop = async () => {
    await pg.stop("fast");
    stopped = true;
  };
  const start = async () => {
    await pg.start();
    stopped = false;
  };
  // A test that fails during the outage leaves the server running for the next one.
  afterEach(async () => {
    if (stopped) await start();
  }, 60_000);
  beforeAll(async () => {
    pg = await startPostgres();
    svc = await buildApp({
      ...options,
      dbPath: join(tempDir(), "unused.db"),
      database: { url: pg.url, tls: "off", poolMax: 4, connectTimeoutMs: 2000, statementTimeoutMs: 5000 },
    });
  }, 60_000);
  afterAll(async () => {
    await svc?.close();
    await pg?.close();
  }, 60_000);

  const health = async () => (await svc.app.inject("/health")).statusCode;

  it("no traffic: unhealthy soon after the outage (one cache period and a probe), a flood costs one probe per period, healthy again as soon", async () => {
    expect(await health()).toBe(200); // a cached success
    await stop();
    const down = await until(async () => (await health()) === 503);
    expect(down, "reported unavailable").toBeGreaterThanOrEqual(0);
    expect(down).toBeLessThan(HEALTH_CACHE_MS + 3000);

    const probes = countProbes(svc);
    const floodAt = performance.now();
    const flood = await Promise.all(Array.from({ length: 200 }, () => svc.app.inject("/health")));
    const elapsed = performance.now() - floodAt;
    for (const r of flood) {
      expect(r.statusCode).toBe(503);
      expect(r.json()).toEqual({ status: "unavailable", reason: "database unavailable" });
    }
    expect(probes.length).toBeLessThanOrEqual(probeBound(elapsed));
    vi.restoreAllMocks();

    await start();
    const up = await until(async () => (await health()) === 200);
    expect(up, "healthy again").toBeGreaterThanOrEqual(0);
    expect(up).toBeLessThan(HEALTH_CACHE_MS + 3000);
  }, 60_000);

  it("a request of the app's own that sees the change ends the cached answer at once, both ways", async () => {
    expect(await health()).toBe(200); // cached success
    await stop();
    const post = (title: string) =>
      svc.app.inject({ method: "POST", url: "/tasks", headers: auth, payload: { title } });
    expect((await until(async () => (await post("while down")).statusCode === 503)) >= 0).toBe(true);
    expect(await health()).toBe(503);

    await start();
    expect((await until(async () => (await post("back")).statusCode === 201)) >= 0).toBe(true);
    expect(await health()).toBe(200);
  }, 60_000);
});
