/**
 * A real PostgreSQL server for tests and benchmarks: Debian's `postgresql` package (initdb + pg_ctl), a cluster
 * in a temporary directory, listening on a free loopback port with password (scram-sha-256) authentication over
 * TCP, as RDS does; optionally with TLS. Started, stopped, crashed and restarted by the caller; removed by close().
 *
 *   const pg = await startPostgres();
 *   startService({ env: { DATABASE_URL: pg.url } });
 *   await pg.stop("immediate");   // a crash: no checkpoint, WAL replayed at the next start
 *   await pg.start();
 *   await pg.close();
 *
 * initdb and the server refuse to run as root: as root they run as the `postgres` user the package creates.
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  appendFileSync,
} from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../scripts/lib/net";

const run = promisify(execFile);

export interface PostgresServer {
  /** `postgres://taskflow:<password>@127.0.0.1:<port>/taskflow` */
  url: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** (Re)start the server on the same data directory and port. */
  start(): Promise<void>;
  /** `fast`: a clean shutdown; `immediate`: a crash (no checkpoint; WAL recovery at the next start). */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Run SQL through psql in a database (default: the test database) and return its unaligned output. */
  sql(query: string, database?: string): Promise<string>;
  /** A new, empty database on this server, and its URL: one per test that needs a store of its own. */
  createDatabase(name: string): Promise<string>;
  /** The server's log so far (what it wrote to stderr: connections when `log_connections` is on, failed logins). */
  log(): string;
  /** Stop the server and remove the cluster. */
  close(): Promise<void>;
}

/** The newest PostgreSQL major installed from Debian's packages. */
export function postgresBin(): string {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d)) : [];
  if (majors.length === 0) {
    throw new Error("PostgreSQL is not installed: apt-get install postgresql (Debian's package; .ci/run does)");
  }
  return join(root, majors.sort((a, b) => Number(b) - Number(a))[0], "bin");
}

export interface StartOptions {
  /** Serve TLS with this certificate and key (PEM). */
  tls?: { certPem: string; keyPem: string };
  /** Listen on these addresses too (e.g. the Docker bridge's gateway, for containers), password auth from anywhere. */
  alsoListen?: string[];
  /**
   * How the server asks TCP clients for the password (pg_hba's method): `scram-sha-256` (the default, as RDS), or
   * `md5` (the role's password stored as MD5) and `password` (cleartext) to prove a client refuses them.
   */
  hostAuth?: "scram-sha-256" | "md5" | "password";
}

export async function startPostgres(opts: StartOptions = {}): Promise<PostgresServer> {
  const bin = postgresBin();
  const hostAuth = opts.hostAuth ?? "scram-sha-256";
  const root = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), "taskflow-pg-"));
  const data = join(dir, "data");
  const user = "taskflow";
  const database = "taskflow";
  const password = randomBytes(18).toString("base64url");
  const port = await freePort();
  const pwfile = join(dir, "pwfile");
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (root) {
    chmodSync(dir, 0o700);
    chownSync(dir, uid("postgres"), gid("postgres"));
    chownSync(pwfile, uid("postgres"), gid("postgres"));
  }
  /** A server binary, as the postgres user when we are root. */
  const pgRun = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    root
      ? run("runuser", ["-u", "postgres", "--", join(bin, cmd), ...args], { env: { ...process.env, ...env } })
      : run(join(bin, cmd), args, { env: { ...process.env, ...env } });

  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  await pgRun("initdb", [
    "-D",
    data,
    "-U",
    user,
    `--pwfile=${pwfile}`,
    "--auth-local=trust",
    `--auth-host=${hostAuth}`,
    "-E",
    "UTF8",
    "--locale=C.UTF-8",
    "--no-instructions",
  ]).catch((err: unknown) => {
    removeDir();
    throw err;
  });
  const conf = [
    `listen_addresses = '${["127.0.0.1", ...(opts.alsoListen ?? [])].join(",")}'`,
    `port = ${port}`,
    `unix_socket_directories = '${dir}'`,
    "fsync = on",
    "synchronous_commit = on",
    "max_connections = 100",
    // MD5 answers only for a password stored as MD5 (a SCRAM verifier makes the md5 method ask for SCRAM).
    ...(hostAuth === "md5" ? ["password_encryption = md5"] : []),
  ];
  if (opts.tls) {
    const cert = join(data, "server.crt");
    const key = join(data, "server.key");
    writeFileSync(cert, opts.tls.certPem);
    writeFileSync(key, opts.tls.keyPem, { mode: 0o600 });
    if (root) for (const f of [cert, key]) chownSync(f, uid("postgres"), gid("postgres"));
    conf.push("ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'");
  }
  appendFileSync(join(data, "postgresql.conf"), `\n# taskflow tests\n${conf.join("\n")}\n`);
  if (opts.alsoListen?.length) {
    appendFileSync(join(data, "pg_hba.conf"), `host all all 0.0.0.0/0 ${hostAuth}\n`);
  }
  const log = join(dir, "server.log");

  const server: PostgresServer = {
    url: `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    port,
    user,
    password,
    database,
    async start() {
      await pgRun("pg_ctl", ["-D", data, "-l", log, "-w", "-t", "60", "start"]);
    },
    async stop(mode = "fast") {
      await pgRun("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]);
    },
    async sql(query, db = database) {
      const args = ["-h", dir, "-p", String(port), "-U", user, "-d", db, "-XAtqc", query];
      const { stdout } = await pgRun("psql", args);
      return stdout.trim();
    },
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name ${name}: lower-case identifier`);
      await server.sql(`CREATE DATABASE ${name}`, "postgres");
      return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${name}`;
    },
    log() {
      return existsSync(log) ? readFileSync(log, "utf8") : "";
    },
    async close() {
      await server.stop("immediate").catch(() => {});
      removeDir();
    },
  };
  try {
    await server.start();
    await server.createDatabase(database);
    if (hostAuth === "md5") await server.sql(`ALTER ROLE ${user} PASSWORD '${password}'`);
  } catch (err) {
    await server.close(); // a server that started but cannot be used is not left running, nor its files
    throw err;
  }
  return server;
}

const uid = (name: string) => Number(execFileSync("id", ["-u", name]).toString().trim());
const gid = (name: string) => Number(execFileSync("id", ["-g", name]).toString().trim());
