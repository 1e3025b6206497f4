/**
 * How the PostgreSQL store hands its password to the server, against real servers (Debian's PostgreSQL with TLS):
 * never in cleartext, never as an MD5 hash (pg itself answers both), and over TLS only through SCRAM-SHA-256-PLUS,
 * bound to the server's certificate (channel binding). A server asking for the cleartext password is what a relay
 * that strips SCRAM would do: the store closes the connection before anything about the password is sent, which the
 * server's log shows (no failed and no authorized login), where plain pg, asked the same, logs in. A stand-in
 * server offering SCRAM without -PLUS over TLS shows the store refusing before it sends any SASL message.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import { TLSSocket } from "node:tls";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { PostgresTaskStore, type PostgresOptions } from "../../service/src/db-postgres";
import { StoreUnavailableError } from "../../service/src/db";
import { startPostgres, type PostgresServer } from "../../testkit/postgres-server";
import { mockHostTls } from "../../scripts/lib/self-signed";
import { tempDir } from "../../testkit/service-process";

const serverTls = mockHostTls("taskflow-test-postgres-auth", "127.0.0.1");
const dir = tempDir("pg-password-exchange-");
const caFile = join(dir, "ca.pem");
writeFileSync(caFile, serverTls.certPem);
const servers: PostgresServer[] = [];

/** A server with TLS whose pg_hba asks for the password as `hostAuth` says, logging every connection. */
async function server(hostAuth: "scram-sha-256" | "md5" | "password"): Promise<PostgresServer> {
  const s = await startPostgres({ tls: serverTls, hostAuth });
  servers.push(s);
  await s.sql("ALTER SYSTEM SET log_connections = on");
  await s.sql("SELECT pg_reload_conf()");
  return s;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
afterEach(() => {
  vi.restoreAllMocks();
});

const options = (s: PostgresServer, o: Partial<PostgresOptions>): PostgresOptions => ({
  url: s.url,
  tls: "verify-full",
  caFile,
  poolMax: 2,
  connectTimeoutMs: 3000,
  statementTimeoutMs: 3000,
  startupTimeoutMs: 1000,
  ...o,
});

/** What the server logged about the taskflow user's logins: authorized ones, and refused passwords. */
const logins = (s: PostgresServer) => ({
  authorized: s.log().match(/connection authorized: user=taskflow/g)?.length ?? 0,
  failed: s.log().match(/password authentication failed for user "taskflow"/g)?.length ?? 0,
  received: s.log().match(/connection received: host=127\.0\.0\.1/g)?.length ?? 0,
});

/** The SASL mechanisms the client chose in its initial responses (pg's Connection, as the store's pool uses it). */
function recordMechanisms(): string[] {
  const chosen: string[] = [];
  // pg's Connection has the method (lib/connection.js); its published types do not list it.
  const proto = pg.Connection.prototype as unknown as {
    sendSASLInitialResponseMessage(mechanism: string, response: string): void;
  };
  const send = proto.sendSASLInitialResponseMessage;
  vi.spyOn(proto, "sendSASLInitialResponseMessage").mockImplementation(function (
    this: unknown,
    mechanism: string,
    response: string,
  ) {
    chosen.push(mechanism);
    send.call(this, mechanism, response);
  });
  return chosen;
}

/**
 * A stand-in server speaking just enough of the protocol: TLS on the client's SSLRequest, then, to the startup
 * message, AuthenticationSASL offering only `mechanisms` (what a relay that cannot bind to the real server's
 * certificate would offer). It records the type of each message the client sends after that, then hangs up.
 */
async function saslServer(mechanisms: string[]) {
  const received: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((raw) => {
    sockets.push(raw);
    raw.on("error", () => {});
    raw.once("data", () => {
      raw.write("S");
      const socket = new TLSSocket(raw, { isServer: true, cert: serverTls.certPem, key: serverTls.keyPem });
      socket.on("error", () => {});
      let started = false;
      socket.on("data", (chunk: Buffer) => {
        if (!started) {
          started = true;
          const names = Buffer.from(`${mechanisms.map((m) => `${m}\0`).join("")}\0`);
          const head = Buffer.alloc(9);
          head.write("R", 0);
          head.writeInt32BE(8 + names.length, 1);
          head.writeInt32BE(10, 5); // AuthenticationSASL
          socket.write(Buffer.concat([head, names]));
          return;
        }
        received.push(String.fromCharCode(chunk[0]));
        socket.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `postgres://taskflow:not-for-relays-0123456789@127.0.0.1:${(server.address() as AddressInfo).port}/taskflow`,
    received,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("the store's password exchange (real PostgreSQL)", () => {
  let cleartext: PostgresServer;
  let md5: PostgresServer;
  let scram: PostgresServer;
  beforeAll(async () => {
    [cleartext, md5, scram] = await Promise.all([server("password"), server("md5"), server("scram-sha-256")]);
  }, 120_000);

  it("a server asking for the cleartext password: plain pg sends it and logs in (the control)", async () => {
    const before = logins(cleartext);
    const client = new pg.Client({ connectionString: cleartext.url, ssl: { ca: serverTls.certPem } });
    await client.connect();
    await client.end();
    const after = logins(cleartext);
    expect(after.authorized - before.authorized).toBe(1);
  });

  it.each(["verify-full", "require", "off"] as const)(
    "DATABASE_TLS=%s: the store refuses to send the password in cleartext, and the server never gets it",
    async (tls) => {
      const before = logins(cleartext);
      const failure = PostgresTaskStore.open(options(cleartext, { tls }));
      await expect(failure).rejects.toThrow(
        /^cannot use PostgreSQL at postgres:\/\/taskflow:\*\*\*@127\.0\.0\.1:\d+\/taskflow: the server asked for the password in cleartext \(AuthenticationCleartextPassword\): refused/,
      );
      await expect(failure).rejects.not.toThrow(cleartext.password);
      // The server saw the connection, and no login: neither the right password (authorized) nor any other (failed).
      await expect.poll(() => logins(cleartext).received - before.received).toBeGreaterThan(0);
      const after = logins(cleartext);
      expect(after.authorized - before.authorized).toBe(0);
      expect(after.failed - before.failed).toBe(0);
    },
  );

  it("a server asking for an MD5 hash: refused, no login", async () => {
    const before = logins(md5);
    const failure = PostgresTaskStore.open(options(md5, {}));
    await expect(failure).rejects.toThrow(/the server asked for an MD5 password hash \(AuthenticationMD5Password\)/);
    await expect.poll(() => logins(md5).received - before.received).toBeGreaterThan(0);
    expect(logins(md5).authorized - before.authorized).toBe(0);
    expect(logins(md5).failed - before.failed).toBe(0);
  });

  it.each(["verify-full", "require"] as const)(
    "DATABASE_TLS=%s with scram-sha-256: the store logs in through SCRAM-SHA-256-PLUS (channel binding)",
    async (tls) => {
      const chosen = recordMechanisms();
      const s = await PostgresTaskStore.open(options(scram, { tls }));
      try {
        await s.ping();
      } finally {
        await s.close();
      }
      expect(chosen.length).toBeGreaterThan(0);
      expect(new Set(chosen)).toEqual(new Set(["SCRAM-SHA-256-PLUS"]));
      expect(scram.log()).toMatch(
        /connection authorized: user=taskflow database=taskflow application_name=taskflow SSL enabled/,
      );
    },
  );

  it("plain pg over the same TLS picks SCRAM-SHA-256 without binding (what the store no longer does)", async () => {
    const chosen = recordMechanisms();
    const client = new pg.Client({ connectionString: scram.url, ssl: { ca: serverTls.certPem } });
    await client.connect();
    await client.end();
    expect(chosen).toEqual(["SCRAM-SHA-256"]);
  });

  it("over TLS, a server offering SCRAM-SHA-256 without -PLUS: refused before any SASL message, where pg would answer", async () => {
    const relay = await saslServer(["SCRAM-SHA-256"]);
    try {
      await expect(PostgresTaskStore.open(options(scram, { url: relay.url }))).rejects.toThrow(
        /the server asked for SASL with SCRAM-SHA-256, not SCRAM-SHA-256-PLUS: refused/,
      );
      // Nothing but Terminate ("X"): no SASLInitialResponse ("p").
      expect(relay.received.filter((type) => type !== "X")).toEqual([]);
      // The control: pg, even with enableChannelBinding, falls back to SCRAM-SHA-256 and starts the exchange.
      const client = new pg.Client({
        connectionString: relay.url,
        ssl: { ca: serverTls.certPem },
        enableChannelBinding: true,
      });
      await client.connect().catch(() => undefined);
      expect(relay.received).toContain("p");
    } finally {
      await relay.close();
    }
  });

  it("DATABASE_TLS=off (local only): SCRAM-SHA-256, the only exchange possible without TLS", async () => {
    const chosen = recordMechanisms();
    const s = await PostgresTaskStore.open(options(scram, { tls: "off", caFile: undefined }));
    try {
      await s.ping();
    } finally {
      await s.close();
    }
    expect(new Set(chosen)).toEqual(new Set(["SCRAM-SHA-256"]));
  });

  it("a running store whose server turns to asking for cleartext: StoreUnavailableError (a 503), no login", async () => {
    // Started on SCRAM; then pg_hba asks for the cleartext password (as a relay that strips SCRAM would) and the
    // server drops the store's connections, so the next request logs in again.
    const s = await PostgresTaskStore.open(options(scram, {}));
    const hba = await scram.sql("SHOW hba_file");
    const original = readFileSync(hba, "utf8");
    try {
      writeFileSync(hba, original.replace(/scram-sha-256/g, "password"));
      await scram.sql("SELECT pg_reload_conf()");
      await scram.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'taskflow'");
      const before = logins(scram);
      // The first ping may meet a connection the server just dropped; the next ones connect anew.
      let err: unknown;
      for (let i = 0; i < 5 && !/AuthenticationCleartextPassword/.test(String(err)); i++) {
        err = await s.ping().then(
          () => undefined,
          (e: unknown) => e,
        );
      }
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(String(err)).toMatch(/database unavailable: the server asked for the password in cleartext/);
      expect(logins(scram).authorized - before.authorized).toBe(0);
      expect(logins(scram).failed - before.failed).toBe(0);
    } finally {
      writeFileSync(hba, original);
      await scram.sql("SELECT pg_reload_conf()");
      await s.close();
    }
  });
});
