/**
 * Real keys and self-signed certificates for what cannot be had here otherwise: the tls provider's resources
 * under Pulumi mocks, and the test settings of an AWS bundle. Mock-level material: nothing trusts these, and
 * the same inputs always give the same key and certificate (as Pulumi's state would keep them).
 */
import { execFileSync } from "node:child_process";
import { createECDH, createHash, createPrivateKey } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isIP } from "node:net";
import { join } from "node:path";

/**
 * A real P-256 key for a mock tls.PrivateKey, derived from its name, so every run of the program (in any
 * process) gets the same key, as Pulumi's state would keep it. Mock-level: never a key anything trusts.
 */
export function mockEcdsaKeyPem(name: string): string {
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(createHash("sha256").update(`observed-app mock tls key ${name}`).digest());
  const point = ecdh.getPublicKey();
  const b64 = (b: Buffer) => b.toString("base64url");
  const jwk = {
    kty: "EC",
    crv: "P-256",
    d: b64(ecdh.getPrivateKey()),
    x: b64(point.subarray(1, 33)),
    y: b64(point.subarray(33)),
  };
  return createPrivateKey({ key: jwk, format: "jwk" }).export({ type: "sec1", format: "pem" }).toString();
}

/**
 * A real self-signed certificate for a mock tls.SelfSignedCert (openssl, from its key, common name and IP
 * addresses), kept in a temporary directory by those inputs so that repeated runs see the same certificate.
 */
export function mockSelfSignedCertPem(inputs: Record<string, unknown>): string {
  // Under some mock runners a secret input arrives wrapped ({ <sig>: …, value }).
  const plain = (v: unknown) => (v && typeof v === "object" && "value" in v ? (v as { value: unknown }).value : v);
  const given = String(plain(inputs.privateKeyPem) ?? "");
  // A key known only after apply (a simulated preview of a new host) stands in as a key derived from its marker.
  const key = given.includes("-----BEGIN") ? given : mockEcdsaKeyPem(given);
  // A value known only after apply (a new host's address in a simulated preview) cannot go into a certificate:
  // it is left out, as the real certificate would name it only once it exists.
  const ips = ((plain(inputs.ipAddresses) as string[] | undefined) ?? []).map(String).filter((ip) => isIP(ip) !== 0);
  const cn = String((plain(inputs.subject) as { commonName?: string } | undefined)?.commonName ?? "mock");
  const days = Math.max(1, Math.ceil(Number(plain(inputs.validityPeriodHours) ?? 24) / 24));
  const dir = join(tmpdir(), "observed-app-mock-tls");
  mkdirSync(dir, { recursive: true });
  const id = createHash("sha256")
    .update(JSON.stringify([key, ips, cn, days]))
    .digest("hex");
  const path = join(dir, `${id}.crt`);
  if (!existsSync(path)) {
    const keyFile = join(dir, `${id}.key.${process.pid}`);
    writeFileSync(keyFile, key, { mode: 0o600 });
    try {
      const san = ips.length ? ["-addext", `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(",")}`] : [];
      const out = `${path}.${process.pid}`;
      execFileSync(
        "openssl",
        ["req", "-x509", "-new", "-key", keyFile, "-subj", `/CN=${cn}`, "-days", String(days), ...san, "-out", out],
        {
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      renameSync(out, path);
    } finally {
      rmSync(keyFile, { force: true });
    }
  }
  return readFileSync(path, "utf8");
}

/** A host's key and self-signed certificate as the stack issues them (P-256, its address and 127.0.0.1, a year). */
export function mockHostTls(keyName: string, address: string): { certPem: string; keyPem: string } {
  const keyPem = mockEcdsaKeyPem(keyName);
  const certPem = mockSelfSignedCertPem({
    privateKeyPem: keyPem,
    ipAddresses: [address, "127.0.0.1"],
    subject: { commonName: address },
    validityPeriodHours: 24 * 365,
  });
  return { certPem, keyPem };
}
