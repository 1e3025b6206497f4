/**
 * The two stores every API, bad-input, load and durability suite runs against: SQLite in a temporary file, and a
 * real PostgreSQL server (Debian's package, started by testkit/postgres-server.ts on a free loopback port,
 * one per test file) with a fresh database per store.
 */
import { afterAll } from "vitest";
import { join } from "node:path";
import type { BuildOptions } from "../../service/src/app";
import { startPostgres, type PostgresServer } from "../../testkit/postgres-server";
import { tempDir } from "../../testkit/service-process";

export const STORES = ["sqlite", "postgres"] as const;
export type StoreKind = (typeof STORES)[number];

let server: Promise<PostgresServer> | undefined;
let seq = 0;

// Registered when the file imports this module (collection time), so it runs after the file's last test on every
// path: also when the server was first asked for inside a hook or a test that then failed. (Registered lazily from
// inside a hook, as it once was, it never ran, and each run left one server per file behind.)
afterAll(async () => {
  const started = server;
  server = undefined;
  // A server that failed to start removed itself (startPostgres); one that started is stopped and removed here.
  await (await started?.catch(() => undefined))?.close();
}, 60_000);

/** This file's PostgreSQL server, started on first use and removed after the file's tests. */
export function postgres(): Promise<PostgresServer> {
  server ??= startPostgres();
  return server;
}

/** A fresh, empty database on this file's server: its URL. */
export async function freshDatabase(): Promise<string> {
  return (await postgres()).createDatabase(`t${process.pid}_${++seq}`);
}

/** buildApp's store options for a kind: a new SQLite file, or a new PostgreSQL database. */
export async function storeOptions(kind: StoreKind): Promise<Pick<BuildOptions, "dbPath" | "database">> {
  const dbPath = join(tempDir(), "t.db");
  if (kind === "sqlite") return { dbPath };
  return {
    dbPath,
    database: {
      url: await freshDatabase(),
      tls: "off",
      poolMax: 10,
      connectTimeoutMs: 2000,
      statementTimeoutMs: 5000,
    },
  };
}

/** The service process's environment for a kind (startService): DATABASE_URL for PostgreSQL, nothing for SQLite. */
export async function storeEnv(kind: StoreKind): Promise<Record<string, string>> {
  return kind === "sqlite" ? {} : { DATABASE_URL: await freshDatabase() };
}
