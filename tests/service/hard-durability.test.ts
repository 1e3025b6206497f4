/**
 * Durability under load, on both stores: a 201 means committed. The service is SIGKILLed mid-write (both stores),
 * and on PostgreSQL the database server itself crashes mid-write (`pg_ctl stop -m immediate`: no checkpoint, WAL
 * replayed at restart). Every acknowledged task must be there afterwards, exactly once.
 */
import { afterAll, describe, expect, it } from "vitest";
import { startService, type ServiceProcess } from "../../testkit/service-process";
import { STORES, postgres, storeEnv } from "../helpers/stores";

const running: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.kill()));
});

interface Listed {
  items: { id: string; title: string }[];
  nextCursor: string | null;
}

/** Every task in the store, page by page through the public API. */
async function listAll(svc: ServiceProcess): Promise<{ id: string; title: string }[]> {
  const all: { id: string; title: string }[] = [];
  let cursor: string | null = null;
  do {
    const qs: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const r = await fetch(`${svc.publicUrl}/tasks?limit=100${qs}`, { headers: svc.authHeaders });
    expect(r.status).toBe(200);
    const page = (await r.json()) as Listed;
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/**
 * 16 writers and 2 readers against the service until `crash` runs (once at least 300 writes are acknowledged, and
 * never later than 20 s). Before the crash every write must be a 201; after it, anything may happen to the
 * requests in flight. Returns the acknowledged titles with their ids, and how many writes were attempted.
 */
async function writeThrough(svc: ServiceProcess, crash: () => Promise<void>) {
  const acknowledged = new Map<string, string>(); // title → id
  let attempted = 0;
  let stop = false;
  const writer = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const title = `dur-${w}-${i}-${process.hrtime.bigint()}`;
      attempted++;
      try {
        const r = await fetch(`${svc.publicUrl}/tasks`, {
          method: "POST",
          headers: { ...svc.authHeaders, "content-type": "application/json" },
          body: JSON.stringify({ title, priority: "high" }),
        });
        if (r.status === 201) acknowledged.set(title, ((await r.json()) as { id: string }).id);
        else if (!stop) throw new Error(`unexpected ${r.status} before the crash`);
      } catch (err) {
        if (!stop) throw err;
      }
    }
  };
  const reader = async () => {
    while (!stop) {
      await fetch(`${svc.publicUrl}/tasks?limit=50&status=todo`, { headers: svc.authHeaders }).catch(() => null);
    }
  };
  const workers = [...Array.from({ length: 16 }, (_, w) => writer(w)), reader(), reader()];
  const deadline = Date.now() + 20_000;
  while (acknowledged.size < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  stop = true;
  await crash();
  await Promise.all(workers);
  return { acknowledged, attempted: () => attempted };
}

/** Every acknowledged task is stored exactly once with its id, and nothing appears that nobody attempted. */
async function expectAllThere(
  svc: ServiceProcess,
  acknowledged: Map<string, string>,
  attempted: number,
  what: string,
): Promise<void> {
  const stored = await listAll(svc);
  const byTitle = new Map<string, string[]>();
  for (const t of stored) byTitle.set(t.title, [...(byTitle.get(t.title) ?? []), t.id]);
  const missing = [...acknowledged.keys()].filter((t) => !byTitle.has(t));
  const duplicated = [...byTitle.entries()].filter(([, ids]) => ids.length > 1);
  const wrongId = [...acknowledged.entries()].filter(([t, id]) => byTitle.get(t)?.[0] !== id);
  const n = acknowledged.size;
  console.log(
    `durability (${what}): ${n} acknowledged of ${attempted} attempted, ${stored.length} stored after restart ` +
      `(${stored.length - n} committed but unacknowledged at the crash)`,
  );
  expect(n).toBeGreaterThanOrEqual(300);
  expect(missing).toEqual([]);
  expect(duplicated).toEqual([]);
  expect(wrongId).toEqual([]);
  // At most the in-flight requests at the crash are extra.
  expect(stored.length).toBeLessThanOrEqual(attempted);
}

const SERVICE_ENV = { RATE_LIMIT_PER_MINUTE: "10000000", LOG_LEVEL: "warn" };

describe.each(STORES)("durability under load, %s store: no acknowledged task lost or duplicated", (kind) => {
  it("every 201 survives SIGKILL of the service + restart exactly once", async () => {
    const env = { ...SERVICE_ENV, ...(await storeEnv(kind)) };
    const svc = await startService({ env });
    running.push(svc);
    const { acknowledged, attempted } = await writeThrough(svc, () => svc.kill()); // SIGKILL, requests in flight
    const again = await startService({ dbPath: svc.dbPath, token: svc.token, env });
    running.push(again);
    await expectAllThere(again, acknowledged, attempted(), `${kind}, service SIGKILLed`);
  }, 90_000);
});

describe("durability under load, postgres store: the database server crashes mid-write", () => {
  it("every 201 survives a crash of the PostgreSQL server (no checkpoint) exactly once, and the service recovers without a restart", async () => {
    const env = { ...SERVICE_ENV, ...(await storeEnv("postgres")) };
    const svc = await startService({ env });
    running.push(svc);
    const pg = await postgres();
    const { acknowledged, attempted } = await writeThrough(svc, () => pg.stop("immediate"));
    await pg.start();
    // The same process, still running: its pool reconnects.
    expect(svc.proc.exitCode).toBeNull();
    await expectAllThere(svc, acknowledged, attempted(), "postgres, server crashed");
  }, 90_000);
});
