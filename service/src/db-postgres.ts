/**
 * TaskStore on PostgreSQL (`DATABASE_URL`), for a fleet of instances sharing one database (RDS on AWS).
 *
 * - A pool with limits (`DB_POOL_MAX` connections, a connect timeout, a statement timeout the server enforces).
 * - Migrations at start-up, the same SQL as SQLite's, under a transaction-scoped advisory lock: instances that
 *   start together apply each migration once.
 * - Durability: every write is one autocommitted statement, acknowledged by the server only once its WAL record
 *   is flushed (`synchronous_commit` on, PostgreSQL's default, forced for our sessions): a 201 is committed.
 * - A lost database is not a crash: connection failures, server shutdowns and timeouts reject with
 *   StoreUnavailableError (the API answers 503 with a reason), idle connections that die are dropped by the pool,
 *   and the next request connects again: the service recovers by itself when the server is back.
 * - TLS when configured (`DATABASE_TLS`): `verify-full` checks the server's certificate against `DATABASE_CA_FILE`
 *   and its name against the host (the fleet: the RDS CA bundle in the image); `require` encrypts but checks
 *   nothing, for local use only (anyone on the path can present a certificate).
 * - The password is never handed over in a form the other end could read or reuse: the store answers no cleartext
 *   password request and no MD5 one (pg would answer both), only SCRAM-SHA-256; over TLS only SCRAM-SHA-256-PLUS,
 *   bound to the server's certificate (channel binding `tls-server-end-point`), so a relay with another certificate
 *   cannot complete the login.
 * - The password can come from a file read for every new connection (`DATABASE_PASSWORD_FILE`), so a rotated
 *   password (RDS rotates its managed one) is picked up without a restart. A login the server refuses (SQLSTATE
 *   28P01, say a rotation that landed after the file was read) is retried once on a new connection, which reads
 *   the file again; refused again (the file not rewritten yet), the request gets StoreAuthFailedError: a 503, as
 *   for a lost database, until the file holds the new password.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import pg from "pg";
import {
  MIGRATIONS,
  StoreUnavailableError,
  toTask,
  type Cursor,
  type NewTask,
  type QueryObserver,
  type Task,
  type TaskPatch,
  type TaskRow,
  type TaskStatus,
  type TaskStore,
} from "./db";

export interface PostgresOptions {
  /** `postgres://user[:password]@host[:port]/database` (validated by config.ts). */
  url: string;
  /** Read the password from this file for each new connection (overrides one in the URL). */
  passwordFile?: string;
  tls: "off" | "require" | "verify-full";
  /** PEM bundle of the CAs that may sign the server's certificate (verify-full). */
  caFile?: string;
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** How long start-up keeps trying to reach the server before it gives up (ms). */
  startupTimeoutMs?: number;
}

/** Arbitrary, fixed key of the advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK = 7_514_263;

/** SQLSTATE classes and codes that mean "the database is not usable now", not "this request is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-4]|57014|58)/;
const UNAVAILABLE_NODE = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND"]);

/** SQLSTATE invalid_password: the server refused a new connection's login (only ever at login, never mid-statement). */
const INVALID_PASSWORD = "28P01";

/** Whether the server refused a login's password (so the statement was never sent). */
export function isAuthFailure(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === INVALID_PASSWORD;
}

/**
 * The server refuses the service's password (SQLSTATE 28P01) even after the password file was read again: a
 * rotation the file has not caught up with yet. Answered with 503 like a lost database; logged as `event`.
 */
export class StoreAuthFailedError extends StoreUnavailableError {
  readonly event = "database_auth_failed";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreAuthFailedError";
  }
}

/**
 * The server asked for the password in a way the store does not answer (cleartext, MD5, or over TLS SCRAM without
 * channel binding): nothing about the password was sent, and the connection is closed. A server (or a relay in
 * between) that asks so is not the database to trust: answered with 503 like a lost database.
 */
export class PasswordExchangeRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PasswordExchangeRefusedError";
  }
}

/** The SASL mechanism the store requires over TLS: SCRAM bound to the server's certificate. */
const SCRAM_PLUS = "SCRAM-SHA-256-PLUS";

/**
 * pg's client, less the password exchanges the store refuses. pg (8.23) answers AuthenticationCleartextPassword
 * with the password and AuthenticationMD5Password with a replayable hash, whatever the TLS setting, and with
 * `enableChannelBinding` it still falls back to SCRAM-SHA-256 when the server offers no -PLUS. These overrides of
 * its auth handlers (lib/client.js, attached to the connection's authentication* events at connect) refuse them;
 * over TLS -PLUS is required (the pool turns pg's `enableChannelBinding` on, so pg chooses it).
 */
function clientClass(tls: boolean): typeof pg.Client {
  const how = tls ? `only through ${SCRAM_PLUS} (channel binding) over TLS` : "only through SCRAM-SHA-256";
  return class PasswordSafeClient extends pg.Client {
    /** Close the connection before anything about the password is sent, and fail the connect with why. */
    private refuse(asked: string): void {
      const refused = `the server asked for ${asked}: refused, the password is sent ${how}`;
      this.connection.emit("error", new PasswordExchangeRefusedError(refused));
      this.connection.end();
    }

    _handleAuthCleartextPassword(): void {
      this.refuse("the password in cleartext (AuthenticationCleartextPassword)");
    }

    _handleAuthMD5Password(): void {
      this.refuse("an MD5 password hash (AuthenticationMD5Password)");
    }

    _handleAuthSASL(msg: { mechanisms: string[] }): void {
      if (tls && !msg.mechanisms.includes(SCRAM_PLUS)) {
        this.refuse(`SASL with ${msg.mechanisms.join(", ") || "no mechanism"}, not ${SCRAM_PLUS}`);
        return;
      }
      (pg.Client.prototype as unknown as { _handleAuthSASL(m: unknown): void })._handleAuthSASL.call(this, msg);
    }
  };
}

/** Whether an error from pg means the database is unreachable or going away (rather than a bad statement). */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (typeof e.code === "string" && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_NODE.has(e.code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed|Query read timeout/i.test(
    e.message ?? "",
  );
}

/** The URL with its password hidden, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<invalid DATABASE_URL>";
  }
}

export class PostgresTaskStore implements TaskStore {
  readonly kind = "postgres";
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly observe: QueryObserver | null,
  ) {}

  /**
   * Connect, retrying until the server answers or `startupTimeoutMs` passes, then migrate. Rejects with a message
   * naming the server (never the password) when it cannot.
   */
  static async open(opts: PostgresOptions, observe: QueryObserver | null = null): Promise<PostgresTaskStore> {
    const pool = new pg.Pool(poolConfig(opts));
    // An idle connection the server closes (a restart, a failover) emits here; the pool drops it and the next
    // query connects again. Unhandled, it would end the process.
    pool.on("error", () => {});
    const store = new PostgresTaskStore(pool, observe);
    const deadline = Date.now() + (opts.startupTimeoutMs ?? 30_000);
    for (;;) {
      try {
        await store.migrate();
        return store;
      } catch (err) {
        if (!isUnavailable(err) || Date.now() >= deadline) {
          await pool.end().catch(() => {});
          throw new Error(`cannot use PostgreSQL at ${redactUrl(opts.url)}: ${(err as Error).message}`, {
            cause: err,
          });
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Apply the migrations not yet recorded, each once, under an advisory lock held for the transaction. */
  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      await client.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
      );
      const applied = new Set(
        (await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version),
      );
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await client.query(m.sql);
        await client.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [
          m.version,
          new Date().toISOString(),
        ]);
      }
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /** Run one statement, timed under `operation`; connection-level failures become StoreUnavailableError. */
  private async query<R extends pg.QueryResultRow>(
    operation: string,
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    if (this.closed) throw new StoreUnavailableError("database is closed");
    const start = process.hrtime.bigint();
    let ok = false;
    try {
      const result = await this.pool.query<R>(text, values).catch((err: unknown) => {
        if (!isAuthFailure(err)) throw err;
        // A refused login happens before the statement is sent, so running it again is safe; the new connection
        // reads the password file again (poolConfig), which a rotation may have rewritten since.
        return this.pool.query<R>(text, values);
      });
      ok = true;
      return result;
    } catch (err) {
      if (isAuthFailure(err))
        throw new StoreAuthFailedError(
          `database refused the password (SQLSTATE 28P01, retried once on a new connection): ${(err as Error).message}`,
          { cause: err },
        );
      if (isUnavailable(err) || err instanceof PasswordExchangeRefusedError)
        throw new StoreUnavailableError(`database unavailable: ${(err as Error).message}`, { cause: err });
      throw err;
    } finally {
      this.observe?.(operation, Number(process.hrtime.bigint() - start) / 1e9, ok);
    }
  }

  async schemaVersion(): Promise<number> {
    const r = await this.query<{ v: number }>("schema", "SELECT max(version) AS v FROM schema_migrations");
    return r.rows[0].v;
  }

  async create(input: NewTask): Promise<Task> {
    const ts = new Date().toISOString();
    const row: TaskRow = {
      id: randomUUID(),
      title: input.title,
      description: input.description ?? "",
      status: input.status ?? "todo",
      priority: input.priority ?? "medium",
      created_at: ts,
      updated_at: ts,
    };
    await this.query(
      "insert",
      `INSERT INTO tasks (id, title, description, status, priority, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.id, row.title, row.description, row.status, row.priority, row.created_at, row.updated_at],
    );
    return toTask(row);
  }

  async get(id: string): Promise<Task | undefined> {
    const r = await this.query<TaskRow>("get", "SELECT * FROM tasks WHERE id = $1", [id]);
    return r.rows[0] && toTask(r.rows[0]);
  }

  async list(opts: {
    status?: TaskStatus;
    limit: number;
    after?: Cursor;
  }): Promise<{ items: Task[]; next: Cursor | null }> {
    const after = [opts.after?.createdAt ?? "", opts.after?.id ?? ""];
    // COLLATE "C": byte order, as SQLite compares text, so both stores page identically.
    const r = opts.status
      ? await this.query<TaskRow>(
          "list",
          `SELECT * FROM tasks WHERE status = $1 AND (created_at, id) > ($2, $3)
           ORDER BY created_at COLLATE "C", id COLLATE "C" LIMIT $4`,
          [opts.status, ...after, opts.limit + 1],
        )
      : await this.query<TaskRow>(
          "list",
          `SELECT * FROM tasks WHERE (created_at, id) > ($1, $2) ORDER BY created_at COLLATE "C", id COLLATE "C" LIMIT $3`,
          [...after, opts.limit + 1],
        );
    const items = r.rows.slice(0, opts.limit).map(toTask);
    const last = items[items.length - 1];
    return { items, next: r.rows.length > opts.limit && last ? { createdAt: last.createdAt, id: last.id } : null };
  }

  /** One atomic statement: concurrent patches of different fields never lose each other's changes. */
  async update(id: string, patch: TaskPatch): Promise<Task | undefined> {
    const r = await this.query<TaskRow>(
      "update",
      `UPDATE tasks SET title = COALESCE($2, title), description = COALESCE($3, description),
         status = COALESCE($4, status), priority = COALESCE($5, priority), updated_at = $6
       WHERE id = $1 RETURNING *`,
      [
        id,
        patch.title ?? null,
        patch.description ?? null,
        patch.status ?? null,
        patch.priority ?? null,
        new Date().toISOString(),
      ],
    );
    return r.rows[0] && toTask(r.rows[0]);
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.query("delete", "DELETE FROM tasks WHERE id = $1", [id]);
    return (r.rowCount ?? 0) > 0;
  }

  async countByStatus(): Promise<Record<TaskStatus, number>> {
    const counts: Record<TaskStatus, number> = { todo: 0, in_progress: 0, done: 0 };
    const r = await this.query<{ status: TaskStatus; n: number }>(
      "count",
      "SELECT status, count(*)::int AS n FROM tasks GROUP BY status",
    );
    for (const row of r.rows) counts[row.status] = row.n;
    return counts;
  }

  async ping(): Promise<void> {
    await this.query("health", "SELECT 1");
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** pg's pool settings from ours: the URL taken apart (so a password file can stand in for its password). */
function poolConfig(opts: PostgresOptions): pg.PoolConfig {
  const u = new URL(opts.url);
  const host = decodeURIComponent(u.hostname);
  const urlPassword = u.password ? decodeURIComponent(u.password) : undefined;
  const password = opts.passwordFile ? async () => (await readFile(opts.passwordFile!, "utf8")).trim() : urlPassword;
  return {
    Client: clientClass(opts.tls !== "off"),
    enableChannelBinding: opts.tls !== "off",
    host,
    port: u.port ? Number(u.port) : 5432,
    database: decodeURIComponent(u.pathname.replace(/^\//, "")),
    user: decodeURIComponent(u.username),
    ...(password !== undefined ? { password } : {}),
    ssl: tlsOptions(opts, host),
    max: opts.poolMax,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // The server cancels a statement past this; the client gives up a little later if the server never answers.
    statement_timeout: opts.statementTimeoutMs,
    query_timeout: opts.statementTimeoutMs + 1000,
    application_name: "taskflow",
    options: "-c synchronous_commit=on",
  };
}

function tlsOptions(opts: PostgresOptions, host: string): pg.PoolConfig["ssl"] {
  if (opts.tls === "off") return false;
  if (opts.tls === "require") return { rejectUnauthorized: false };
  return {
    rejectUnauthorized: true,
    ca: opts.caFile ? readCa(opts.caFile) : undefined,
    // pg hands TLS only its socket, so Node would check the name "localhost": check the configured host.
    checkServerIdentity: (_servername: string, cert: PeerCertificate) => checkServerIdentity(host, cert),
    ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
  };
}

/** Read once at start: a CA bundle does not rotate under a running process. */
function readCa(path: string): string {
  return readFileSync(path, "utf8");
}
