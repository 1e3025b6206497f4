/**
 * TaskStore's group commit against a real SQLite file: writes that arrive together share one transaction
 * (one fsync), each settles only after that commit, and a failing write rolls back alone.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteTaskStore } from "../../service/src/db";
import { tempDir } from "../../testkit/service-process";

const open: SqliteTaskStore[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.closeSync();
});

function store() {
  const path = join(tempDir("store-"), "t.db");
  const ops: string[] = [];
  const s = new SqliteTaskStore(path, (operation) => ops.push(operation));
  open.push(s);
  return { s, path, ops };
}

/** What another connection sees on disk: the committed rows only. */
function titlesOnDisk(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT title FROM tasks ORDER BY title").all() as { title: string }[]).map((r) => r.title);
  } finally {
    db.close();
  }
}

describe("TaskStore group commit (real SQLite file)", () => {
  it("commits writes issued in the same turn in one transaction, all durable when they resolve", async () => {
    const { s, path, ops } = store();
    const titles = Array.from({ length: 50 }, (_, i) => `t${String(i).padStart(2, "0")}`);
    const created = await Promise.all(titles.map((title) => s.create({ title })));
    expect(created.map((t) => t.title)).toEqual(titles);
    expect(ops.filter((o) => o === "commit")).toHaveLength(1);
    expect(ops.filter((o) => o === "insert")).toHaveLength(50);
    expect(titlesOnDisk(path)).toEqual(titles);
  });

  it("settles a write only after its commit: another connection already sees it", async () => {
    const { s, path } = store();
    const seen = await s.create({ title: "first" }).then(() => titlesOnDisk(path));
    expect(seen).toEqual(["first"]);
  });

  it("rolls back a failing write alone; the others in its batch commit", async () => {
    const { s, path } = store();
    // Bypasses the API's validation on purpose: the table's CHECK (title ≤ 200 chars) rejects this row.
    const results = await Promise.allSettled([
      s.create({ title: "kept-1" }),
      s.create({ title: "x".repeat(201) }),
      s.create({ title: "kept-2" }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/CHECK constraint failed/);
    expect(titlesOnDisk(path)).toEqual(["kept-1", "kept-2"]);
  });

  it("applies update and delete in order within a batch and reports missing ids", async () => {
    const { s } = store();
    const t = await s.create({ title: "a" });
    const [updated, missing, deleted, deletedAgain] = await Promise.all([
      s.update(t.id, { status: "done" }),
      s.update("00000000-0000-4000-8000-000000000000", { status: "done" }),
      s.delete(t.id),
      s.delete(t.id),
    ]);
    expect(updated?.status).toBe("done");
    expect(missing).toBeUndefined();
    expect([deleted, deletedAgain]).toEqual([true, false]);
    expect(await s.get(t.id)).toBeUndefined();
  });

  it("commits queued writes on close and refuses writes afterwards", async () => {
    const { s, path } = store();
    const pending = s.create({ title: "queued" });
    s.closeSync();
    await expect(pending).resolves.toMatchObject({ title: "queued" });
    expect(titlesOnDisk(path)).toEqual(["queued"]);
    await expect(s.create({ title: "late" })).rejects.toThrow(/closed/);
  });
});
