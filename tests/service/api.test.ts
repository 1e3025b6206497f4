import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { buildApp, type Service } from "../../service/src/app";
import { loadConfig } from "../../service/src/config";
import { STORES, storeOptions, type StoreKind } from "../helpers/stores";
import { parseMetrics, sample } from "../helpers/prom-text";

const TOKEN = "test-token-0123456789abcdef";
const auth = { authorization: `Bearer ${TOKEN}` };

function logSink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, stream };
}

async function buildWith(overrides: Partial<Parameters<typeof buildApp>[0]> = {}, kind: StoreKind = "sqlite") {
  const sink = logSink();
  const svc = await buildApp({
    apiToken: TOKEN,
    ...(await storeOptions(kind)),
    rateLimitPerMinute: 10_000,
    slowQueryMs: 100,
    faultInjection: false,
    metricsEnabled: true,
    logLevel: "info",
    logStream: sink.stream,
    ...overrides,
  });
  return { svc, logs: sink.lines };
}

describe.each(STORES)("TaskFlow API (in-process, %s store: a real SQLite file or PostgreSQL server)", (kind) => {
  const build = (overrides: Partial<Parameters<typeof buildApp>[0]> = {}) => buildWith(overrides, kind);
  let svc: Service;
  let logs: Record<string, unknown>[];
  beforeAll(async () => ({ svc, logs } = await build()), 60_000);
  afterAll(() => svc.close());

  const create = (body: unknown) =>
    svc.app.inject({ method: "POST", url: "/tasks", headers: auth, payload: body as Record<string, unknown> });

  it("GET / names the service and its version", async () => {
    const r = await svc.app.inject("/");
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ name: "taskflow", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it("GET /health checks the database and answers 503 with a reason when it is unusable", async () => {
    expect((await svc.app.inject("/health")).json()).toEqual({ status: "ok" });
    const broken = await build();
    broken.svc.store.close();
    const r = await broken.svc.app.inject("/health");
    expect(r.statusCode).toBe(503);
    expect(r.json().reason).toMatch(/database/);
    await broken.svc.close();
  });

  it("creates, reads, updates and deletes a task", async () => {
    const c = await create({ title: "write runbook", description: "for ServiceDown", priority: "high" });
    expect(c.statusCode).toBe(201);
    const task = c.json();
    expect(task).toMatchObject({ title: "write runbook", status: "todo", priority: "high" });
    expect(task.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(task.createdAt).toBe(task.updatedAt);

    const g = await svc.app.inject({ url: `/tasks/${task.id}`, headers: auth });
    expect(g.json()).toEqual(task);

    const p = await svc.app.inject({
      method: "PATCH",
      url: `/tasks/${task.id}`,
      headers: auth,
      payload: { status: "done" },
    });
    expect(p.statusCode).toBe(200);
    expect(p.json()).toMatchObject({ id: task.id, status: "done", title: "write runbook" });

    const d = await svc.app.inject({ method: "DELETE", url: `/tasks/${task.id}`, headers: auth });
    expect(d.statusCode).toBe(204);
    expect((await svc.app.inject({ url: `/tasks/${task.id}`, headers: auth })).statusCode).toBe(404);
    expect((await svc.app.inject({ method: "DELETE", url: `/tasks/${task.id}`, headers: auth })).statusCode).toBe(404);
  });

  it.each([
    [{}, /title/],
    [{ title: "" }, /title/],
    [{ title: "x".repeat(201) }, /title/],
    [{ title: "ok", description: "d".repeat(2001) }, /description/],
    [{ title: "ok", status: "blocked" }, /status/],
    [{ title: "ok", priority: "urgent" }, /priority/],
    [{ title: 42 }, /title/],
    [{ title: "ok", owner: "me" }, /additional/],
  ])("rejects an invalid task %j with a 400 naming the field", async (body, reason) => {
    const r = await create(body);
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(reason);
  });

  it("rejects bad ids, empty patches and unknown tasks", async () => {
    expect((await svc.app.inject({ url: "/tasks/not-a-uuid", headers: auth })).statusCode).toBe(400);
    const id = "00000000-0000-4000-8000-000000000000";
    expect((await svc.app.inject({ url: `/tasks/${id}`, headers: auth })).statusCode).toBe(404);
    const empty = await svc.app.inject({ method: "PATCH", url: `/tasks/${id}`, headers: auth, payload: {} });
    expect(empty.statusCode).toBe(400);
    const none = await svc.app.inject({ method: "PATCH", url: `/tasks/${id}`, headers: auth, payload: { title: "x" } });
    expect(none.statusCode).toBe(404);
  });

  it("paginates with an opaque cursor, filters by status and bounds limit", async () => {
    const fresh = await build();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await fresh.svc.app.inject({
        method: "POST",
        url: "/tasks",
        headers: auth,
        payload: { title: `t${i}`, status: i % 2 ? "done" : "todo" },
      });
      ids.push(r.json().id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { statusCode: number; json(): { items: { id: string }[]; nextCursor: string | null } } =
        await fresh.svc.app.inject({
          url: `/tasks?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
          headers: auth,
        });
      expect(r.statusCode).toBe(200);
      const body = r.json();
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...body.items.map((t) => t.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());

    const done = (await fresh.svc.app.inject({ url: "/tasks?status=done&limit=100", headers: auth })).json();
    expect(done.items).toHaveLength(3);
    expect(done.items.every((t: { status: string }) => t.status === "done")).toBe(true);

    for (const q of ["limit=0", "limit=101", "limit=abc", "status=blocked", "cursor=bm9wZQ", "sort=title"]) {
      const r = await fresh.svc.app.inject({ url: `/tasks?${q}`, headers: auth });
      expect(r.statusCode, q).toBe(400);
      expect(r.json().message, q).toBeTruthy();
    }
    await fresh.svc.close();
  });

  it("refuses /tasks without a valid bearer token, counts and logs it without the token", async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, "missing"],
      [{ authorization: "Basic abc" }, "malformed"],
      [{ authorization: "Bearer wrong-token-value" }, "invalid"],
    ];
    for (const [headers, reason] of cases) {
      const r = await svc.app.inject({ url: "/tasks", headers });
      expect(r.statusCode).toBe(401);
      expect(r.headers["www-authenticate"]).toMatch(/Bearer/);
      expect(r.json().message).toContain(reason);
    }
    const m = parseMetrics((await svc.metricsApp.inject("/metrics")).body);
    for (const [, reason] of cases) {
      expect(sample(m, "taskflow_auth_failures_total", { reason })).toBeGreaterThanOrEqual(1);
    }
    const events = logs.filter((l) => l.event === "auth_failure");
    expect(events.length).toBeGreaterThanOrEqual(3);
    const all = JSON.stringify(logs);
    expect(all).not.toContain("wrong-token-value");
    expect(all).not.toContain(TOKEN);
  });

  it("413 for bodies over 16 KiB, 415 for other content types, request id echoed or generated", async () => {
    const big = await create({ title: "x", description: "y".repeat(17 * 1024) });
    expect(big.statusCode).toBe(413);
    const text = await svc.app.inject({
      method: "POST",
      url: "/tasks",
      headers: { ...auth, "content-type": "text/plain" },
      payload: "title=x",
    });
    expect(text.statusCode).toBe(415);
    const kept = await svc.app.inject({ url: "/", headers: { "x-request-id": "abc-123" } });
    expect(kept.headers["x-request-id"]).toBe("abc-123");
    const replaced = await svc.app.inject({ url: "/", headers: { "x-request-id": "bad id with spaces" } });
    expect(replaced.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.some((l) => l.reqId === "abc-123")).toBe(true);
  });

  it("honours a configured body limit (BODY_LIMIT_BYTES): 413 with a reason above it", async () => {
    const config = loadConfig({ API_TOKEN: TOKEN, BODY_LIMIT_BYTES: "1024" });
    expect(config.bodyLimitBytes).toBe(1024);
    const small = await build({ bodyLimitBytes: config.bodyLimitBytes });
    try {
      const body = { title: "x", description: "y".repeat(1500) };
      const r = await small.svc.app.inject({ method: "POST", url: "/tasks", headers: auth, payload: body });
      expect(r.statusCode).toBe(413);
      expect(r.json().message).toMatch(/too large/i);
      // The same body is fine under the default limit.
      expect((await create(body)).statusCode).toBe(201);
    } finally {
      await small.svc.close();
    }
    expect(() => loadConfig({ API_TOKEN: TOKEN, BODY_LIMIT_BYTES: "10" })).toThrow(
      /BODY_LIMIT_BYTES="10" is invalid: expected an integer from 1024 to 1048576/,
    );
  });

  it("TRUST_PROXY=loopback or the proxies' CIDRs (the fleet's load balancer): the rate limit counts per X-Forwarded-For client; off, or a CIDR the proxy is not in: per connection", async () => {
    expect(loadConfig({ API_TOKEN: TOKEN }).trustProxy).toBe("off");
    expect(loadConfig({ API_TOKEN: TOKEN, TRUST_PROXY: "loopback" }).trustProxy).toBe("loopback");
    expect(loadConfig({ API_TOKEN: TOKEN, TRUST_PROXY: "10.50.0.0/16, 127.0.0.1" }).trustProxy).toBe(
      "10.50.0.0/16,127.0.0.1",
    );
    expect(() => loadConfig({ API_TOKEN: TOKEN, TRUST_PROXY: "all" })).toThrow(
      /TRUST_PROXY="all" is invalid.*off, loopback, or IPv4 CIDRs/,
    );
    expect(() => loadConfig({ API_TOKEN: TOKEN, TRUST_PROXY: "10.0.0.0/33" })).toThrow(/TRUST_PROXY="10.0.0.0\/33"/);
    // inject() connects from 127.0.0.1, as the app host's edge does.
    for (const [trustProxy, otherClient] of [
      ["loopback", 200],
      ["127.0.0.0/8", 200],
      ["10.50.0.0/16", 429],
      ["off", 429],
    ] as const) {
      const limited = await build({ rateLimitPerMinute: 2, trustProxy });
      try {
        const get = (ip: string) =>
          limited.svc.app.inject({ url: "/tasks", headers: { ...auth, "x-forwarded-for": ip } });
        for (const want of [200, 200, 429]) expect((await get("198.51.100.1")).statusCode, trustProxy).toBe(want);
        expect((await get("198.51.100.2")).statusCode, trustProxy).toBe(otherClient);
      } finally {
        await limited.svc.close();
      }
    }
  });

  it("/health when the database is unusable: 503 with a fixed public reason, the detail only in the log", async () => {
    const broken = await build();
    try {
      await broken.svc.store.close();
      for (const app of [broken.svc.app, broken.svc.metricsApp]) {
        const r = await app.inject({ url: "/health" });
        expect(r.statusCode).toBe(503);
        expect(r.json()).toEqual({ status: "unavailable", reason: "database unavailable" });
        expect(r.body).not.toMatch(/closed|sqlite|SQLITE|\/data|\.db/);
      }
      const logged = broken.logs.filter((l) => l.event === "health_failed");
      expect(logged.length).toBe(2);
      expect(JSON.stringify(logged[0])).toContain("database is closed");
    } finally {
      await broken.svc.close().catch(() => undefined);
    }
  });

  it("sets helmet's security headers", async () => {
    const r = await svc.app.inject("/");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["strict-transport-security"]).toBeDefined();
  });

  it("serves /metrics on the metrics app only", async () => {
    expect((await svc.app.inject("/metrics")).statusCode).toBe(404);
    const r = await svc.metricsApp.inject("/metrics");
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toMatch(/text\/plain/);
    expect((await svc.metricsApp.inject("/health")).statusCode).toBe(200);
    expect((await svc.metricsApp.inject("/fault")).statusCode).toBe(404);
  });
});

describe.each(STORES)("TaskFlow metrics (in-process, %s store)", (kind) => {
  const build = (overrides: Partial<Parameters<typeof buildApp>[0]> = {}) => buildWith(overrides, kind);
  it("exposes every metric with the right type and labels", async () => {
    const { svc } = await build();
    await svc.app.inject({ method: "POST", url: "/tasks", headers: auth, payload: { title: "a" } });
    await svc.app.inject({ url: "/nope" });
    const m = parseMetrics((await svc.metricsApp.inject("/metrics")).body);
    const types: Record<string, string> = {
      http_requests_total: "counter",
      http_request_duration_seconds: "histogram",
      taskflow_tasks: "gauge",
      taskflow_auth_failures_total: "counter",
      taskflow_rate_limited_total: "counter",
      taskflow_db_query_duration_seconds: "histogram",
      taskflow_db_slow_queries_total: "counter",
      taskflow_build_info: "gauge",
      process_cpu_seconds_total: "counter",
      process_resident_memory_bytes: "gauge",
      nodejs_eventloop_lag_seconds: "gauge",
    };
    for (const [name, type] of Object.entries(types)) expect(m.types.get(name), name).toBe(type);
    expect(sample(m, "http_requests_total", { method: "POST", route: "/tasks", status_code: "201" })).toBe(1);
    expect(sample(m, "http_requests_total", { method: "GET", route: "unmatched", status_code: "404" })).toBe(1);
    expect(sample(m, "http_request_duration_seconds_count", { route: "/tasks", status_code: "201" })).toBe(1);
    expect(sample(m, "taskflow_tasks", { status: "todo" })).toBe(1);
    expect(sample(m, "taskflow_tasks", { status: "done" })).toBe(0);
    expect(sample(m, "taskflow_db_query_duration_seconds_count", { operation: "insert" })).toBe(1);
    expect(sample(m, "taskflow_build_info", { version: "1.0.0" })).toBe(1);
    await svc.close();
  });

  it("10 000 distinct unknown URLs add no series", async () => {
    const { svc } = await build();
    await svc.app.inject("/warm-up-unknown");
    const before = parseMetrics((await svc.metricsApp.inject("/metrics")).body);
    for (let i = 0; i < 10_000; i++) await svc.app.inject(`/unknown/${i}?q=${i}`);
    const after = parseMetrics((await svc.metricsApp.inject("/metrics")).body);
    // The exact set of series stays the same, but for one family the URLs do not drive: the runtime's GC
    // histogram gets a series the first time V8 runs a GC of a kind (a closed set). Which kinds have run by a
    // given moment depends on the heap: on the PostgreSQL store a first major GC once fell inside this loop and
    // added its 9 samples (99 → 108), which a count of series read as a leak of URLs into labels.
    const gcSeries = (key: string) => /^nodejs_gc_duration_seconds_(bucket|sum|count)\{/.test(key);
    const added = [...after.series.keys()].filter((k) => !before.series.has(k));
    const removed = [...before.series.keys()].filter((k) => !after.series.has(k));
    expect(removed).toEqual([]);
    expect(added.filter((k) => !gcSeries(k))).toEqual([]);
    for (const k of added) expect(k).toMatch(/kind="(major|minor|incremental|weakcb)"/);
    expect([...after.series.keys()].filter((k) => k.includes("unknown/"))).toEqual([]);
    expect(sample(after, "http_requests_total", { route: "unmatched", status_code: "404" })).toBe(10_001);
    await svc.close();
  });

  it("counts and logs slow queries past SLOW_QUERY_MS", async () => {
    const { svc, logs } = await build({ slowQueryMs: 0 });
    await svc.app.inject({ url: "/tasks", headers: auth });
    const m = parseMetrics((await svc.metricsApp.inject("/metrics")).body);
    expect(sample(m, "taskflow_db_slow_queries_total", {})).toBeGreaterThanOrEqual(1);
    expect(logs.some((l) => l.event === "slow_query" && l.operation === "list")).toBe(true);
    await svc.close();
  });

  it("counts and logs rate-limited requests (429)", async () => {
    const { svc, logs } = await build({ rateLimitPerMinute: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await svc.app.inject({ url: "/", remoteAddress: "10.9.9.9" })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    expect((await svc.app.inject({ url: "/health", remoteAddress: "10.9.9.9" })).statusCode).toBe(200);
    const m = parseMetrics((await svc.metricsApp.inject("/metrics")).body);
    expect(sample(m, "taskflow_rate_limited_total", {})).toBe(2);
    expect(logs.filter((l) => l.event === "rate_limited")).toHaveLength(2);
    await svc.close();
  });

  it("METRICS=off removes the hooks and the endpoint", async () => {
    const { svc } = await build({ metricsEnabled: false });
    expect(svc.metrics).toBeNull();
    expect((await svc.app.inject("/")).statusCode).toBe(200);
    expect((await svc.metricsApp.inject("/metrics")).statusCode).toBe(404);
    await svc.close();
  });

  it("fault injection fails the configured share of public requests, never /health, and clears", async () => {
    const { svc } = await build({ faultInjection: true });
    const put = await svc.metricsApp.inject({ method: "PUT", url: "/fault", payload: { errorRate: 1 } });
    expect(put.json()).toEqual({ errorRate: 1, latencyMs: 0 });
    expect((await svc.app.inject("/")).statusCode).toBe(500);
    expect((await svc.app.inject("/health")).statusCode).toBe(200);
    const bad = await svc.metricsApp.inject({ method: "PUT", url: "/fault", payload: { errorRate: 2 } });
    expect(bad.statusCode).toBe(400);
    await svc.metricsApp.inject({ method: "DELETE", url: "/fault" });
    expect((await svc.app.inject("/")).statusCode).toBe(200);
    const m = parseMetrics((await svc.metricsApp.inject("/metrics")).body);
    expect(sample(m, "http_requests_total", { route: "/", status_code: "500" })).toBe(1);
    await svc.close();
  });
});

describe("TaskFlow configuration", () => {
  it("refuses to start without API_TOKEN, naming the variable", () => {
    expect(() => loadConfig({})).toThrow(/API_TOKEN/);
  });
  it.each([
    ["PORT", "http"],
    ["METRICS_PORT", "70000"],
    ["RATE_LIMIT_PER_MINUTE", "0"],
    ["FAULT_INJECTION", "yes"],
    ["METRICS", "maybe"],
    ["LOG_LEVEL", "loud"],
  ])("rejects %s=%s naming the variable and what is allowed", (name, value) => {
    expect(() => loadConfig({ API_TOKEN: TOKEN, [name]: value })).toThrow(
      new RegExp(`${name}="${value}".*(integer|allowed)`),
    );
  });
  it("DATABASE_URL selects PostgreSQL with its pool, timeouts and TLS; bad values name the variable and never echo the URL", () => {
    const url = "postgres://taskflow:s3cret-pass@db.internal:5432/taskflow";
    expect(loadConfig({ API_TOKEN: TOKEN }).database).toBeUndefined();
    expect(loadConfig({ API_TOKEN: TOKEN, DATABASE_URL: url }).database).toEqual({
      url,
      passwordFile: undefined,
      tls: "off",
      caFile: undefined,
      poolMax: 10,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 5000,
    });
    const bad = (env: Record<string, string>) => () => loadConfig({ API_TOKEN: TOKEN, ...env });
    for (const wrong of ["mysql://u@h/db", "postgres://u@h", "not a url", "postgres://db.internal/taskflow"]) {
      expect(bad({ DATABASE_URL: wrong }), wrong).toThrow(/^DATABASE_URL is invalid: /);
    }
    try {
      loadConfig({ API_TOKEN: TOKEN, DATABASE_URL: "mysql://u:s3cret-pass@h/db" });
    } catch (err) {
      expect((err as Error).message).not.toContain("s3cret-pass");
    }
    expect(bad({ DATABASE_URL: url, DATABASE_TLS: "on" })).toThrow(
      'DATABASE_TLS="on" is invalid: allowed values are off, require, verify-full',
    );
    expect(bad({ DATABASE_URL: url, DATABASE_TLS: "verify-full" })).toThrow(/verify-full needs DATABASE_CA_FILE/);
    expect(bad({ DATABASE_URL: url, DB_POOL_MAX: "0" })).toThrow(
      /DB_POOL_MAX="0" is invalid: expected an integer from 1 to 100/,
    );
    expect(bad({ DATABASE_PASSWORD_FILE: "/run/pw" })).toThrow(/DATABASE_PASSWORD_FILE is set but DATABASE_URL is not/);
  });

  it("applies the documented defaults", () => {
    expect(loadConfig({ API_TOKEN: TOKEN })).toMatchObject({
      port: 3000,
      metricsPort: 9464,
      dbPath: "./data/taskflow.db",
      rateLimitPerMinute: 600,
      slowQueryMs: 100,
      faultInjection: false,
      metricsEnabled: true,
    });
  });
});
