/**
 * A rotated database password against a real PostgreSQL server (Debian's package): the service reads
 * DATABASE_PASSWORD_FILE for every new connection, and a login the server refuses (SQLSTATE 28P01) is retried once
 * on a new connection that reads the file again; refused again, the request gets 503 with a retry hint and a
 * reason (as for a lost database), never a 500, the log names the event without the password, and the service
 * serves again by itself once the file holds the new password.
 *
 * The only stand-in: node:fs/promises is wrapped so a test can count the store's reads of the password file and
 * rewrite the file right after one read (the timer landing between a login's read and its refusal: the race the
 * retry is for); the file, the server and its authentication are real.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp, type Service } from "../../service/src/app";
import { startPostgres, type PostgresServer } from "../../testkit/postgres-server";
import { tempDir } from "../../testkit/service-process";

const reads = vi.hoisted(() => ({
  /** Path of the password file: its reads are counted, and `afterRead` runs once after the next one. */
  watched: "",
  count: 0,
  afterRead: null as null | (() => Promise<void>),
}));
vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const readFile = (async (...args: Parameters<typeof real.readFile>) => {
    const text = await real.readFile(...args);
    if (reads.watched && args[0] === reads.watched) {
      reads.count++;
      const hook = reads.afterRead;
      reads.afterRead = null;
      await hook?.();
    }
    return text;
  }) as typeof real.readFile;
  return { ...real, readFile, default: { ...real, readFile } };
});

const TOKEN = "test-token-0123456789abcdef";
const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
let server: PostgresServer;
const dir = tempDir("pg-auth-");
const pwfile = join(dir, "db-password");
const writePassword = (password: string) => writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
const services: Service[] = [];

beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterEach(async () => {
  reads.afterRead = null;
  await server.sql(`ALTER ROLE ${server.user} PASSWORD '${server.password}'`);
});
afterAll(async () => {
  await Promise.all(services.map((s) => s.close()));
  await server?.close();
}, 60_000);

/** The service on a fresh database, its password read from the file (the URL carries none), and its log lines. */
async function serviceWithPasswordFile() {
  writePassword(server.password);
  reads.watched = pwfile;
  const url = new URL(await server.createDatabase(`auth_${services.length}`));
  url.password = "";
  const lines: string[] = [];
  const svc = await buildApp({
    apiToken: TOKEN,
    dbPath: join(dir, "unused.db"),
    database: {
      url: url.toString(),
      passwordFile: pwfile,
      tls: "off",
      poolMax: 4,
      connectTimeoutMs: 3000,
      statementTimeoutMs: 3000,
    },
    rateLimitPerMinute: 10_000,
    slowQueryMs: 1000,
    faultInjection: false,
    metricsEnabled: false,
    logLevel: "info",
    logStream: new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        cb();
      },
    }),
  });
  services.push(svc);
  return { svc, lines };
}

/**
 * The server ends the service's sessions (as a failover or RDS's restart would) and the pool has dropped them: the
 * next statement needs a new connection, which logs in with what the file holds then.
 */
async function dropSessions(svc: Service) {
  const pool = (svc.store as unknown as { pool: pg.Pool }).pool;
  await server.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'taskflow'");
  for (let i = 0; i < 100 && pool.totalCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(pool.totalCount).toBe(0);
}

const post = (svc: Service, title: string) =>
  svc.app.inject({ method: "POST", url: "/tasks", headers: auth, payload: { title } });

describe("a rotated database password (real PostgreSQL, DATABASE_PASSWORD_FILE)", () => {
  it("the file rewritten just after a refused login read it: the store reads it again and the request succeeds, no restart", async () => {
    const { svc } = await serviceWithPasswordFile();
    await dropSessions(svc);
    // RDS has rotated the password; the timer rewrites the file right after the next connection has read the old
    // one, so that login is refused (28P01) though the file is already current.
    const rotated = "rotated-during-a-login-0123456789";
    await server.sql(`ALTER ROLE ${server.user} PASSWORD '${rotated}'`);
    reads.afterRead = async () => writePassword(rotated);
    const before = reads.count;
    const r = await post(svc, "during a rotation");
    expect(reads.afterRead, "the file was rewritten after a read").toBeNull();
    expect(r.statusCode, r.body).toBe(201);
    // Two reads: the refused login's and the retry's.
    expect(reads.count - before).toBe(2);
    expect((await post(svc, "after the rotation")).statusCode).toBe(201);
  }, 30_000);

  it("a rotation the file has not caught up with: 503 with a retry hint and a reason, never 500, logged without the password; served again once the file is rewritten", async () => {
    const { svc, lines } = await serviceWithPasswordFile();
    expect((await post(svc, "before the rotation")).statusCode).toBe(201);
    const rotated = "rotated-not-yet-in-the-file-0123";
    await server.sql(`ALTER ROLE ${server.user} PASSWORD '${rotated}'`);
    await dropSessions(svc);
    for (const request of [
      () => post(svc, "in the window"),
      () => svc.app.inject({ method: "GET", url: "/tasks", headers: auth }),
    ]) {
      const before = reads.count;
      const r = await request();
      expect(r.statusCode, r.body).toBe(503);
      expect(r.headers["retry-after"]).toBe("5");
      expect(r.json()).toEqual({ error: "Service Unavailable", message: "database unavailable; retry later" });
      // The file was read again for the retry.
      expect(reads.count - before).toBe(2);
    }
    const health = await svc.app.inject("/health");
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: "unavailable", reason: "database unavailable" });
    const events = lines.map((l) => JSON.parse(l) as { event?: string; err?: { message?: string } });
    const refused = events.filter((e) => e.event === "database_auth_failed");
    expect(refused).toHaveLength(2);
    expect(refused[0].err?.message).toMatch(/28P01.*password authentication failed for user "taskflow"/);
    expect(events.some((e) => e.event === "database_unavailable")).toBe(false);
    for (const l of lines) {
      expect(l).not.toContain(server.password);
      expect(l).not.toContain(rotated);
    }
    // The timer rewrites the file: the next request logs in with it, in the same process.
    writePassword(rotated);
    const after = await post(svc, "after the file caught up");
    expect(after.statusCode, after.body).toBe(201);
    expect((await svc.app.inject("/health")).statusCode).toBe(200);
  }, 30_000);
});
