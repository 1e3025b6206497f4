import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostScript } from "../../components/host-scripts";
import { HEALTH_PATH, MONITORING_PORTS } from "../../monitoring-config/contract";
import { tempDir } from "../../testkit/service-process";

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

  it("app-fleet-init.sh: the database password file is rewritten at every boot before docker.service restarts the app, and the timer fires at boot", () => {
    // The user data run with every outside command stubbed (the AWS CLI answers Secrets Manager, docker, systemctl
    // and curl are recorded), then a reboot as systemd would run it from the units the user data installed: /run
    // is empty, the units ordered before docker.service and wanted by it run, then dockerd restarts the container.
    const dir = tempDir("fleet-init-");
    const bin = join(dir, "bin");
    const calls = join(dir, "calls");
    mkdirSync(bin);
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >>${calls}\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    stub("sudo", 'exec "$@"');
    stub("systemctl", "");
    stub("docker", "cat >/dev/null 2>&1 || true");
    stub("curl", "");
    stub("aws", `case "$*" in *token*) echo api-token ;; *db*) echo '{"username": "app", "password": "pw-1"}' ;; esac`);
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      IMAGE: "registry.example/taskflow@sha256:1",
      NODE_EXPORTER_IMAGE: "registry.example/node-exporter@sha256:2",
      REGION: "eu-west-1",
      LOG_GROUP: "lg",
      PORT: "3000",
      METRICS_PORT: "9464",
      FAULT_INJECTION: "false",
      TOKEN_SECRET_ARN: "arn:token",
      DB_SECRET_ARN: "arn:db",
      DB_HOST: "db.example",
      DB_PORT: "5432",
      DB_NAME: "taskflow",
      DB_POOL_MAX: "10",
      TRUSTED_PROXIES: "10.0.0.0/16",
      DATABASE_TLS: "verify-full",
      DATABASE_CA_FILE: "/app/service/certs/rds-global-bundle.pem",
      NODE_EXPORTER_PORT: String(MONITORING_PORTS.nodeExporter),
      HEALTH_PATH,
      HEALTH_TRIES: "1",
      APP_UID: String(process.getuid?.() ?? 0),
      SECRETS_DIR: join(dir, "etc"),
      RUN_DIR: join(dir, "run"),
      SBIN_DIR: join(dir, "sbin"),
      SYSTEMD_DIR: join(dir, "systemd"),
      LOG_DRIVER: "json-file",
    };
    const userData = join(dir, "user-data");
    writeFileSync(userData, hostScript("app-fleet-init.sh"));
    const first = spawnSync("bash", [userData], { env, encoding: "utf8" });
    expect(first.status, first.stderr).toBe(0);
    expect(readFileSync(join(dir, "run", "db-password"), "utf8")).toBe("pw-1");
    const recorded = readFileSync(calls, "utf8");
    expect(recorded).toMatch(/^systemctl enable taskflow-db-password\.service$/m);
    expect(recorded).toMatch(/^systemctl enable --now taskflow-db-password\.timer$/m);
    // The contract's facts, handed over as environment, reach the commands as they were written before.
    expect(recorded).toMatch(/^docker run -d --name node-exporter .* --web\.listen-address=:9100$/m);
    expect(recorded).toMatch(/^curl -fsS http:\/\/127\.0\.0\.1:3000\/health$/m);

    const unit = (name: string) => readFileSync(join(dir, "systemd", name), "utf8");
    const values = (text: string, key: string) =>
      [...text.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].flatMap((m) => m[1].trim().split(/\s+/));
    const timer = unit("taskflow-db-password.timer");
    expect(values(timer, "OnBootSec")).toEqual(["0"]);
    expect(values(timer, "OnUnitActiveSec")).toEqual(["5min"]);

    // The reboot: the tmpfs is empty; what systemd starts before docker.service (ordered Before= it and pulled in
    // by it or by the boot target) runs, in order; only then would dockerd restart the app's container.
    rmSync(join(dir, "run"), { recursive: true, force: true });
    const beforeDocker = readdirSync(join(dir, "systemd"))
      .filter((f) => f.endsWith(".service"))
      .filter((f) => values(unit(f), "Before").includes("docker.service"))
      .filter((f) => values(unit(f), "WantedBy").some((t) => ["docker.service", "multi-user.target"].includes(t)));
    expect(beforeDocker).toEqual(["taskflow-db-password.service"]);
    const service = unit("taskflow-db-password.service");
    expect(values(service, "After")).toContain("network-online.target");
    expect(values(service, "Wants")).toContain("network-online.target");
    for (const f of beforeDocker) {
      const [exec] = values(unit(f), "ExecStart");
      const r = spawnSync(exec, { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
    }
    const file = join(dir, "run", "db-password");
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, "utf8")).toBe("pw-1");
    expect((statSync(file).mode & 0o777).toString(8)).toBe("400");
  });
});
