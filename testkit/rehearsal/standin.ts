/**
 * A local stand-in for the pinned `node:20.x-bookworm-slim` base image, which cannot be pulled here: Debian
 * bookworm (debootstrap, minbase) with this machine's Node.js, npm and Node headers (native addons build against
 * them: npm `nodedir`), the machine's CA bundle (npm and apt reach the registries through it) and the `node`
 * user (uid 1000) the official image has. Named plainly as a stand-in; built once per content, then cached.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine } from "./engine";

const MIRROR = "http://deb.debian.org/debian";
const CA = "/etc/ssl/certs/ca-certificates.crt";

/** The stand-in's tag: changes when this machine's Node changes. */
export function standinTag(): string {
  const node = execFileSync("node", ["--version"], { encoding: "utf8" }).trim();
  const h = createHash("sha256").update(node).update(readFileSync(CA)).digest("hex").slice(0, 12);
  return `local/node-20-bookworm-standin:${node}-${h}`;
}

/** Build the stand-in unless the engine has it; returns its tag and how long building took (0 when cached). */
export function ensureStandin(engine: Engine): { tag: string; seconds: number } {
  const tag = standinTag();
  if (engine.docker(["image", "inspect", tag]).code === 0) return { tag, seconds: 0 };
  const started = Date.now();
  const root = mkdtempSync(join(tmpdir(), "standin-"));
  try {
    const boot = spawnSync("debootstrap", ["--variant=minbase", "bookworm", root, MIRROR], {
      encoding: "utf8",
      timeout: 600_000,
    });
    if (boot.status !== 0) throw new Error(`debootstrap failed: ${boot.stderr.slice(-2000)}`);
    for (const d of ["usr/lib/node_modules", "usr/include", "usr/etc"]) mkdirSync(join(root, d), { recursive: true });
    cpSync("/usr/bin/node", join(root, "usr/bin/node"));
    cpSync("/usr/lib/node_modules/npm", join(root, "usr/lib/node_modules/npm"), { recursive: true });
    cpSync("/usr/include/node", join(root, "usr/include/node"), { recursive: true });
    cpSync(CA, join(root, "etc/ssl/certs/ca-certificates.crt"));
    execFileSync("ln", ["-sf", "../lib/node_modules/npm/bin/npm-cli.js", join(root, "usr/bin/npm")]);
    execFileSync("ln", ["-sf", "../lib/node_modules/npm/bin/npx-cli.js", join(root, "usr/bin/npx")]);
    writeFileSync(join(root, "usr/etc/npmrc"), `cafile=/etc/ssl/certs/ca-certificates.crt\nnodedir=/usr\n`, {
      flag: "w",
    });
    execFileSync("chroot", [root, "useradd", "--uid", "1000", "--create-home", "--shell", "/bin/bash", "node"]);
    const tar = spawnSync("tar", ["-C", root, "-c", "."], { maxBuffer: 1024 * 1024 * 1024 });
    const imported = spawnSync(
      "docker",
      [
        "import",
        "--change",
        "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt",
        "--change",
        'CMD ["node"]',
        "-",
        tag,
      ],
      { input: tar.stdout, env: { ...process.env, ...engine.env }, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
    );
    if (imported.status !== 0) throw new Error(`docker import failed: ${imported.stderr}`);
    return { tag, seconds: (Date.now() - started) / 1000 };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
