/**
 * The PostgreSQL store's connection against a real server with TLS on (Debian's PostgreSQL, a self-signed server
 * certificate made with openssl): `require` encrypts, `verify-full` connects only to a server whose certificate
 * the configured CA signed for the configured host, and a password read from a file is re-read for every new
 * connection (a rotation needs no restart).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresTaskStore, type PostgresOptions } from "../../service/src/db-postgres";
import { startPostgres, type PostgresServer } from "../../testkit/postgres-server";
import { mockHostTls, mockSelfSignedCertPem, mockEcdsaKeyPem } from "../../scripts/lib/self-signed";
import { tempDir } from "../../testkit/service-process";
import { REPO_ROOT } from "../../scripts/lib/paths";

const serverTls = mockHostTls("taskflow-test-postgres", "127.0.0.1");
let pg: PostgresServer;
const dir = tempDir("pg-tls-");
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};
const open: PostgresTaskStore[] = [];

beforeAll(async () => {
  pg = await startPostgres({ tls: serverTls });
}, 60_000);
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await pg?.close();
});

const options = (o: Partial<PostgresOptions>): PostgresOptions => ({
  url: pg.url,
  tls: "off",
  poolMax: 2,
  connectTimeoutMs: 3000,
  statementTimeoutMs: 3000,
  startupTimeoutMs: 2000,
  ...o,
});
async function openStore(o: Partial<PostgresOptions>) {
  const s = await PostgresTaskStore.open(options(o));
  open.push(s);
  return s;
}
/** Whether every connection of the store's pool to the server uses TLS, as the server sees it. */
const serverSaysTls = () =>
  pg.sql(
    "SELECT coalesce(bool_and(s.ssl), false) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'taskflow'",
  );

describe("PostgreSQL store over TLS (real server with ssl = on)", () => {
  it("DATABASE_TLS=verify-full with the server's CA: connects, and the server sees TLS", async () => {
    const s = await openStore({ tls: "verify-full", caFile: file("ca.pem", serverTls.certPem) });
    await s.ping();
    expect(await serverSaysTls()).toBe("t");
    await s.close();
  });

  it("DATABASE_TLS=require encrypts without checking the certificate", async () => {
    const s = await openStore({ tls: "require" });
    await s.ping();
    expect(await serverSaysTls()).toBe("t");
    await s.close();
  });

  it("verify-full refuses a certificate another CA signed, naming the server but never the password", async () => {
    const other = mockHostTls("some-other-ca", "127.0.0.1").certPem;
    const failure = PostgresTaskStore.open(options({ tls: "verify-full", caFile: file("other.pem", other) }));
    await expect(failure).rejects.toThrow(
      /^cannot use PostgreSQL at postgres:\/\/taskflow:\*\*\*@127\.0\.0\.1:\d+\/taskflow: .*(self[- ]signed|certificate)/i,
    );
    await expect(failure).rejects.not.toThrow(pg.password);
  });

  it("verify-full with the image's RDS CA bundle refuses a server whose certificate RDS did not issue", async () => {
    const rdsBundle = join(REPO_ROOT, "service", "certs", "rds-global-bundle.pem");
    const failure = PostgresTaskStore.open(options({ tls: "verify-full", caFile: rdsBundle }));
    await expect(failure).rejects.toThrow(/self[- ]signed certificate|unable to verify/i);
  });

  it("verify-full refuses a certificate for another host, even from the right CA", async () => {
    const keyPem = mockEcdsaKeyPem("taskflow-test-postgres-elsewhere");
    const certPem = mockSelfSignedCertPem({
      privateKeyPem: keyPem,
      ipAddresses: ["192.0.2.10"],
      subject: { commonName: "192.0.2.10" },
      validityPeriodHours: 24,
    });
    const elsewhere = await startPostgres({ tls: { certPem, keyPem } });
    try {
      const failure = PostgresTaskStore.open({
        ...options({ tls: "verify-full", caFile: file("elsewhere.pem", certPem) }),
        url: elsewhere.url,
      });
      await expect(failure).rejects.toThrow(/IP: 127\.0\.0\.1 is not in the cert's list|does not match|altnames/i);
    } finally {
      await elsewhere.close();
    }
  }, 60_000);

  it("DATABASE_PASSWORD_FILE: a rotated password is read for the next connection, without a restart", async () => {
    const url = new URL(pg.url);
    url.password = "";
    const pwfile = file("db-password", pg.password);
    const s = await openStore({ url: url.toString(), passwordFile: pwfile, tls: "require" });
    const t = await s.create({ title: "before rotation" });
    // Rotate as RDS does: the role's password changes, then the file (the fleet's timer rewrites it).
    await pg.sql("ALTER ROLE taskflow PASSWORD 'rotated-password-0123456789'");
    writeFileSync(pwfile, "rotated-password-0123456789\n");
    // The server drops the store's connections (a failover would): the next ones log in with the new password.
    await pg.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'taskflow'");
    let got: Awaited<ReturnType<typeof s.get>> | undefined;
    for (let i = 0; i < 20 && !got; i++) {
      got = await s.get(t.id).catch(() => undefined);
      if (!got) await new Promise((r) => setTimeout(r, 100));
    }
    expect(got?.title).toBe("before rotation");
    await pg.sql(`ALTER ROLE taskflow PASSWORD '${pg.password}'`);
  });
});
