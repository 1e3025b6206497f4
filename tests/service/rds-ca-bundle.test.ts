/**
 * The Amazon RDS CA bundle the service checks the database's certificate against (service/certs/): every block an
 * X.509 CA certificate of Amazon RDS, none expired today, the root RDS signs our instances with
 * (components/database.ts: `caCertIdentifier`) present for every stack's region, the file the one its README
 * describes; the image copies it where the fleet's `DATABASE_CA_FILE` points, with `DATABASE_TLS=verify-full`.
 */
import { X509Certificate, createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join, posix } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/paths";
import { TEST_API_TOKEN } from "../../scripts/lib/program-mocks";
import { RDS_CA_BUNDLE_PATH } from "../../service/src/contract";
import { captureFleetUserDataInChild, setting } from "../../testkit/rehearsal/fleet-capture";

const certs = join(REPO_ROOT, "service", "certs");
const bundle = readFileSync(join(certs, "rds-global-bundle.pem"), "utf8");
const blocks = bundle.match(/-----BEGIN CERTIFICATE-----\n[\s\S]*?\n-----END CERTIFICATE-----\n/g) ?? [];
const parsed = blocks.map((pem) => new X509Certificate(pem));
const cn = (c: X509Certificate) => /^CN=(.*)$/m.exec(c.subject)?.[1] ?? "";

describe("the vendored RDS CA bundle (service/certs/rds-global-bundle.pem)", () => {
  it("is PEM certificates only, each an X.509 CA certificate of Amazon RDS", () => {
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.join("")).toBe(bundle);
    for (const c of parsed) {
      expect(c.ca, cn(c)).toBe(true);
      expect(c.issuer, cn(c)).toMatch(/^OU=Amazon RDS$/m);
    }
  });

  it("holds no certificate expired (or not yet valid) today", () => {
    const now = Date.now();
    const invalid = parsed
      .filter((c) => Date.parse(c.validTo) <= now || Date.parse(c.validFrom) > now)
      .map((c) => `${cn(c)} (${c.validFrom} - ${c.validTo})`);
    expect(invalid).toEqual([]);
  });

  it("holds the root our instances' certificates chain to, for every stack's region", () => {
    const database = readFileSync(join(REPO_ROOT, "components", "database.ts"), "utf8");
    const [, key, generation] = /caCertIdentifier: "rds-ca-(\w+)-(g\d+)"/.exec(database) ?? [];
    expect(key).toBeDefined();
    const regions = readdirSync(REPO_ROOT)
      .filter((f) => /^Pulumi\.\w+\.yaml$/.test(f))
      .map((f) => /^\s*aws:region:\s*(\S+)/m.exec(readFileSync(join(REPO_ROOT, f), "utf8"))?.[1]);
    expect(regions.length).toBeGreaterThan(0);
    for (const region of regions) {
      const root = `Amazon RDS ${region} Root CA ${key.toUpperCase()} ${generation.toUpperCase()}`;
      const found = parsed.filter((c) => cn(c) === root);
      expect(
        found.map((c) => c.subject === c.issuer && c.checkIssued(c)),
        root,
      ).toEqual([true]);
    }
  });

  it("is the file its README describes (SHA-256, count)", () => {
    const readme = readFileSync(join(certs, "README.md"), "utf8");
    expect(readme).toContain(createHash("sha256").update(bundle).digest("hex"));
    expect(readme).toContain(`the ${parsed.length} of those not expired`);
    expect(readme).toContain("https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem");
  });

  it("the image's runtime stage copies it to RDS_CA_BUNDLE_PATH", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, "service", "Dockerfile"), "utf8");
    const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    const workdir = [...runtime.matchAll(/^WORKDIR\s+(\S+)$/gm)].at(-1)?.[1] ?? "/";
    const copies = [...runtime.matchAll(/^COPY\s+(?!--from)(\S+)\s+(\S+)$/gm)].map(([, src, dest]) => ({ src, dest }));
    const copy = copies.find((c) => c.src.replace(/\/$/, "") === "service/certs");
    expect(copy, "COPY service/certs/ in the runtime stage").toBeDefined();
    expect(posix.join(posix.resolve(workdir, copy!.dest), "rds-global-bundle.pem")).toBe(RDS_CA_BUNDLE_PATH);
  });
});

describe("the fleet's database settings (prod's launch template user data)", () => {
  let userData: string;
  beforeAll(async () => {
    userData = (await captureFleetUserDataInChild({ stack: "prod", apiToken: TEST_API_TOKEN })).userData;
  }, 180_000);

  it("DATABASE_TLS=verify-full against the bundle in the image", () => {
    expect(setting(userData, "DATABASE_TLS")).toBe("verify-full");
    expect(setting(userData, "DATABASE_CA_FILE")).toBe(RDS_CA_BUNDLE_PATH);
  });
});
