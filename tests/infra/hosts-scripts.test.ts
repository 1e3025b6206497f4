import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { hostScript } from "../../components/host-scripts";

const DIR = join(__dirname, "..", "..", "components", "host-scripts");
const scripts = readdirSync(DIR).filter((f) => f.endsWith(".sh"));

describe("host scripts", () => {
  it("pass shellcheck (the real Debian binary)", () => {
    const r = spawnSync("shellcheck", ["-x", "-P", "SCRIPTDIR", "--severity=style", ...scripts], {
      cwd: DIR,
      encoding: "utf8",
    });
    expect(r.error, "shellcheck must be installed (apt-get install shellcheck)").toBeUndefined();
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("shellcheck can fail (a broken script is reported)", () => {
    const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: "#!/bin/bash\nrm -rf $1/*\n", encoding: "utf8" });
    expect(r.status).not.toBe(0);
  });

  it("are idempotent by construction: strict mode, and every change guarded by a check", () => {
    for (const f of scripts) {
      const text = readFileSync(join(DIR, f), "utf8");
      expect(text, f).toMatch(/set -euo pipefail/);
      // installs only when missing, containers replaced with rm -f before run, mounts only when not mounted
      if (/dnf install/.test(text)) expect(text).toMatch(/if ! command -v docker/);
      if (/docker run -d --name (\S+)/.test(text)) expect(text, f).toMatch(/docker rm -f/);
      if (/mkfs/.test(text)) expect(text).toMatch(/if ! sudo blkid/);
      if (/fstab/.test(text)) expect(text).toMatch(/if ! grep -q "\$uuid" \/etc\/fstab/);
    }
  });

  it("are shipped self-contained (common.sh inlined) and the inlined scripts also pass shellcheck", () => {
    for (const f of scripts.filter((s) => s !== "common.sh")) {
      const inlined = hostScript(f);
      expect(inlined).not.toContain("source /tmp/observed-app/common.sh");
      expect(inlined).toContain("wait_for_cloud_init()");
      // SC2317: a script calls only some of the inlined library functions.
      const r = spawnSync("shellcheck", ["-s", "bash", "-e", "SC2317", "-"], { input: inlined, encoding: "utf8" });
      expect(r.status, `${f}: ${r.stdout}`).toBe(0);
    }
  });
});
