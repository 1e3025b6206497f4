import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

export const TASK_STATUSES = ["todo", "in_progress", "done"] as const;
export const TASK_PRIORITIES = ["low", "medium", "high"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

export interface Task {
  id: string;
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  createdAt: string;
  updatedAt: string;
}

export interface NewTask {
  title: string;
  description?: string;
  status?: TaskStatus;
  priority?: TaskPriority;
}

export type TaskPatch = Partial<Pick<Task, "title" | "description" | "status" | "priority">>;

/** Position after which a page starts: the (createdAt, id) of the last task of the previous page. */
export interface Cursor {
  createdAt: string;
  id: string;
}

/**
 * Called with each statement's operation name, duration and whether it finished without an error; the metrics
 * layer and the health check's cache plug in here.
 */
export type QueryObserver = (operation: string, seconds: number, ok: boolean) => void;

/**
 * Task persistence, whatever the database: SQLite in a file (the default, `DB_PATH`) or PostgreSQL
 * (`DATABASE_URL`, db-postgres.ts). Every method is asynchronous; a write resolves only once it is committed.
 * When the database cannot be reached, methods reject with a StoreUnavailableError (the API answers 503).
 */
export interface TaskStore {
  readonly kind: "sqlite" | "postgres";
  readonly isOpen: boolean;
  create(input: NewTask): Promise<Task>;
  get(id: string): Promise<Task | undefined>;
  /** One page in (createdAt, id) order; `next` is the cursor of the following page, or null at the end. */
  list(opts: { status?: TaskStatus; limit: number; after?: Cursor }): Promise<{ items: Task[]; next: Cursor | null }>;
  update(id: string, patch: TaskPatch): Promise<Task | undefined>;
  delete(id: string): Promise<boolean>;
  /** Count per status, every status present (0 when none). */
  countByStatus(): Promise<Record<TaskStatus, number>>;
  /** Rejects when the database cannot be used. */
  ping(): Promise<void>;
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

/** The database cannot be reached or used right now (not a problem with the request): answered with 503. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

/** A row of the tasks table. */
export interface TaskRow {
  id: string;
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  created_at: string;
  updated_at: string;
}

/**
 * Schema migrations, applied in order at start-up; each runs once, recorded in schema_migrations. The same SQL
 * serves SQLite and PostgreSQL (ISO-8601 text timestamps sort the same in both), so the two stores hold the same
 * rows and page the same way.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `CREATE TABLE tasks (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
            description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
            status TEXT NOT NULL CHECK (status IN ('todo', 'in_progress', 'done')),
            priority TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
          );
          CREATE INDEX tasks_created ON tasks (created_at, id);
          CREATE INDEX tasks_status_created ON tasks (status, created_at, id);`,
  },
];

/** A row as the API shows it. */
export const toTask = (r: TaskRow): Task => ({
  id: r.id,
  title: r.title,
  description: r.description,
  status: r.status,
  priority: r.priority,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** What one write in a group commit came to: its value, or the error its savepoint rolled back on. */
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A write waiting for the next group commit. */
interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * TaskStore on one SQLite file: WAL journal, synchronous=FULL (a write acknowledged to a client is
 * on disk before the 201 leaves), prepared statements, every statement timed through the observer.
 *
 * Writes are group-committed: every write that arrives in the same event-loop turn runs in its own
 * savepoint inside one transaction, committed (one fsync) on the next turn; each promise settles only after
 * that commit, so an acknowledged write is durable, and a failing write rolls back alone. With one fsync
 * per statement, a slow disk (fsync p99 in the 100 ms range on shared volumes) stalls the event loop once
 * per write and concurrent writers queue behind each other; with group commit it stalls once per turn.
 */
export class SqliteTaskStore implements TaskStore {
  readonly kind = "sqlite";
  private readonly db: Database.Database;
  private readonly stmt;
  private closed = false;
  private pending: PendingWrite[] = [];
  /** Runs one write inside the group transaction; better-sqlite3 nests it as a SAVEPOINT. */
  private readonly savepoint: (run: () => unknown) => unknown;
  private readonly groupCommit: (batch: PendingWrite[]) => Outcome[];

  constructor(
    path: string,
    private readonly observe: QueryObserver | null = null,
  ) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("foreign_keys = ON");
    this.migrate();
    this.stmt = {
      insert: this.db.prepare(
        `INSERT INTO tasks (id, title, description, status, priority, created_at, updated_at)
         VALUES (@id, @title, @description, @status, @priority, @created_at, @updated_at)`,
      ),
      get: this.db.prepare(`SELECT * FROM tasks WHERE id = ?`),
      listAll: this.db.prepare(
        `SELECT * FROM tasks WHERE (created_at, id) > (@createdAt, @id) ORDER BY created_at, id LIMIT @limit`,
      ),
      listByStatus: this.db.prepare(
        `SELECT * FROM tasks WHERE status = @status AND (created_at, id) > (@createdAt, @id)
         ORDER BY created_at, id LIMIT @limit`,
      ),
      update: this.db.prepare(
        `UPDATE tasks SET title = @title, description = @description, status = @status, priority = @priority,
         updated_at = @updated_at WHERE id = @id`,
      ),
      delete: this.db.prepare(`DELETE FROM tasks WHERE id = ?`),
      countByStatus: this.db.prepare(`SELECT status, count(*) AS n FROM tasks GROUP BY status`),
      ping: this.db.prepare(`SELECT count(*) AS n FROM schema_migrations`),
    };
    this.savepoint = this.db.transaction((run: () => unknown) => run());
    this.groupCommit = this.db.transaction((batch: PendingWrite[]): Outcome[] =>
      batch.map((w) => {
        try {
          return { ok: true, value: this.savepoint(w.run) };
        } catch (error) {
          // SQLite abandons the whole transaction on some errors (disk full, I/O): then nothing in the batch
          // may be acknowledged, and the remaining writes must not run outside a transaction.
          if (!this.db.inTransaction) throw error;
          return { ok: false, error };
        }
      }),
    );
  }

  /** The schema version after migrations ran. */
  async schemaVersion(): Promise<number> {
    return (this.db.prepare(`SELECT max(version) AS v FROM schema_migrations`).get() as { v: number }).v;
  }

  private migrate(): void {
    applyMigrations(this.db);
  }

  private timed<T>(operation: string, fn: () => T): T {
    if (!this.observe) return fn();
    const start = process.hrtime.bigint();
    let ok = false;
    try {
      const result = fn();
      ok = true;
      return result;
    } finally {
      this.observe(operation, Number(process.hrtime.bigint() - start) / 1e9, ok);
    }
  }

  create(input: NewTask): Promise<Task> {
    const ts = now();
    const row: TaskRow = {
      id: randomUUID(),
      title: input.title,
      description: input.description ?? "",
      status: input.status ?? "todo",
      priority: input.priority ?? "medium",
      created_at: ts,
      updated_at: ts,
    };
    return this.write(() => {
      this.timed("insert", () => this.stmt.insert.run(row));
      return toTask(row);
    });
  }

  async get(id: string): Promise<Task | undefined> {
    const row = this.timed("get", () => this.stmt.get.get(id) as TaskRow | undefined);
    return row && toTask(row);
  }

  async list(opts: {
    status?: TaskStatus;
    limit: number;
    after?: Cursor;
  }): Promise<{ items: Task[]; next: Cursor | null }> {
    const params = { createdAt: opts.after?.createdAt ?? "", id: opts.after?.id ?? "", limit: opts.limit + 1 };
    const rows = this.timed("list", () =>
      opts.status
        ? (this.stmt.listByStatus.all({ ...params, status: opts.status }) as TaskRow[])
        : (this.stmt.listAll.all(params) as TaskRow[]),
    );
    const items = rows.slice(0, opts.limit).map(toTask);
    const last = items[items.length - 1];
    return { items, next: rows.length > opts.limit && last ? { createdAt: last.createdAt, id: last.id } : null };
  }

  update(id: string, patch: TaskPatch): Promise<Task | undefined> {
    return this.write(() =>
      this.timed("update", () => {
        const current = this.stmt.get.get(id) as TaskRow | undefined;
        if (!current) return undefined;
        const next: TaskRow = {
          ...current,
          title: patch.title ?? current.title,
          description: patch.description ?? current.description,
          status: patch.status ?? current.status,
          priority: patch.priority ?? current.priority,
          updated_at: now(),
        };
        this.stmt.update.run(next);
        return toTask(next);
      }),
    );
  }

  delete(id: string): Promise<boolean> {
    return this.write(() => this.timed("delete", () => this.stmt.delete.run(id).changes > 0));
  }

  /** Queue a write for the next group commit; resolves once it is committed, rejects if it or the commit fails. */
  private write<T>(run: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error("database is closed"));
    return new Promise<T>((resolve, reject) => {
      if (this.pending.push({ run, resolve: resolve as (v: unknown) => void, reject }) === 1) {
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commit every queued write in one transaction (one fsync), then settle each write's promise. */
  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    let results: Outcome[];
    try {
      results = this.timed("commit", () => this.groupCommit(batch));
    } catch (error) {
      // The transaction rolled back (disk full, I/O error, database closed): nothing in it was acknowledged.
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i];
      if (r.ok) w.resolve(r.value);
      else w.reject(r.error);
    });
  }

  async countByStatus(): Promise<Record<TaskStatus, number>> {
    const counts: Record<TaskStatus, number> = { todo: 0, in_progress: 0, done: 0 };
    const rows = this.timed("count", () => this.stmt.countByStatus.all() as { status: TaskStatus; n: number }[]);
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  /** Rejects when the database cannot be read (closed, corrupt, locked past busy_timeout). */
  async ping(): Promise<void> {
    if (this.closed) throw new Error("database is closed");
    this.timed("health", () => this.stmt.ping.get());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closeSync();
  }

  /** Close now (the benchmark peer and tests that need it synchronous). */
  closeSync(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }
}

/**
 * Bring a database to the current schema: each migration runs once, in order, recorded in schema_migrations.
 * Exported so the benchmark peer runs on exactly the service's schema.
 */
export function applyMigrations(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    (db.prepare(`SELECT version FROM schema_migrations`).all() as { version: number }[]).map((r) => r.version),
  );
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`).run(m.version, now());
    })();
  }
}

function now(): string {
  return new Date().toISOString();
}
