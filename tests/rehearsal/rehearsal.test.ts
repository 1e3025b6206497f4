/**
 * The deploy rehearsal, on a real Docker engine (Debian's docker.io; .ci/run installs it and this suite starts
 * dockerd), in three parts:
 *   1. the service image, built from the same Dockerfile, context and build args ObservedApp gives docker.Image
 *      (read from the program under mocks) on a local stand-in for the pinned node base image, and its
 *      container's promises checked from outside;
 *   2. app-deploy.sh rolling real containers directly (ECR login/pull stubbed, json-file logs);
 *   3. every `command:remote:*` step of dev, captured from the program under mocks, replayed over real SSH on
 *      rehearsal hosts (testkit/rehearsal) the way @pulumi/command 1.2.1 runs them, then day 2: the same
 *      inputs, a rotated token, a new digest, a rule change, a broken rule, a replaced host.
 * What still differs from AWS: base and monitoring images are local stand-ins (Debian's packages, older than the
 * pins); the hosts are Debian containers, not Amazon Linux (dnf, systemctl and the AWS CLI's ECR login are
 * recorded stubs; awslogs becomes json-file); ECR is a local registry; Grafana and the monitoring host's own
 * node_exporter are left out of the compose file (no Grafana here; both hosts share one network); the program
 * builds linux/arm64 for t4g hosts with buildx, this machine's platform here. Without an engine the suite fails
 * with the reason (it is part of `npm test`).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostScript } from "../../components/host-scripts";
import { freePort } from "../../scripts/lib/net";
import { runStack } from "../../scripts/lib/program-mocks";
import { mockHostTls } from "../../scripts/lib/self-signed";
import { startEngine, until, type Engine } from "../../testkit/rehearsal/engine";
import {
  buildHostImage,
  buildPinnedStandins,
  buildServiceImage,
  SERVICE_TAG,
  type ServiceBuild,
} from "../../testkit/rehearsal/images";
import { ensureStandin } from "../../testkit/rehearsal/standin";
import { captureInChild, type Capture } from "../../testkit/rehearsal/capture";
import { dataVolume, detachVolume, retireHost, startHost, type RehearsalHost } from "../../testkit/rehearsal/host";
import { pushImage, startRegistry, type Registry } from "../../testkit/rehearsal/registry";
import {
  bundleOf,
  editYaml,
  Replayer,
  summaryTable,
  withBundle,
  type StepResult,
} from "../../testkit/rehearsal/replay";
import { pinnedFetch } from "../../scripts/lib/pinned-fetch";
import { certificateFingerprint } from "../../components/host";
import { DEFAULT_IMAGES, HEALTH_PATH, type Bundle } from "../../monitoring-config";
import { authHeaders } from "../../scripts/verify";
import { tempDir } from "../../testkit/service-process";
import { startPostgres, type PostgresServer } from "../../testkit/postgres-server";
import { captureFleetUserDataInChild, setting, withSettings } from "../../testkit/rehearsal/fleet-capture";

const TAG = SERVICE_TAG;
const TOKEN = "rehearsal-token-0123456789abcdef0123456789";
let engine: Engine;
const figures: Record<string, number | string> = {};
const started: string[] = [];

/** Run a container of the image, publishing its ports on loopback; returns its name and ports. */
async function run(name: string, volume: string, extra: string[] = []) {
  const [port, metrics] = [await freePort(), await freePort()];
  const r = engine.docker([
    "run",
    "-d",
    "--name",
    name,
    "-e",
    `API_TOKEN=${TOKEN}`,
    "-p",
    `127.0.0.1:${port}:3000`,
    "-p",
    `127.0.0.1:${metrics}:9464`,
    "-v",
    `${volume}:/data`,
    ...extra,
    TAG,
  ]);
  expect(r.code, r.stderr).toBe(0);
  started.push(name);
  await until(
    async () =>
      (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => null))?.ok ===
      true,
    60_000,
    `${name} /health`,
  );
  return { name, port, metrics };
}
const inspect = (name: string, format: string) => engine.docker(["inspect", "-f", format, name]).stdout.trim();
/** The running TaskFlow slot container (after a rollout, exactly one). */
function liveSlot(): string {
  const names = engine
    .docker(["ps", "--filter", "name=^taskflow-(blue|green)$", "--format", "{{.Names}}"])
    .stdout.split("\n")
    .filter(Boolean);
  if (names.length !== 1) throw new Error(`expected one running slot, found ${names.join(", ") || "none"}`);
  return names[0];
}

/** Run a host script with bash on this machine (as root), against the engine, the stubs in `shims` first on PATH. */
function runScript(script: string, shims: string, env: Record<string, string>, input?: string) {
  const r = spawnSync("bash", [script], {
    input,
    encoding: "utf8",
    timeout: 300_000,
    env: { ...process.env, ...engine.env, PATH: `${shims}:${process.env.PATH}`, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The exact build inputs the program registers for docker.Image (mock-level capture of the real program). */
async function serviceBuild(): Promise<ServiceBuild> {
  const stack = await runStack("dev");
  return (stack.one("docker:index/image:Image").inputs as { build: ServiceBuild }).build;
}

beforeAll(async () => {
  const e = await startEngine();
  if ("reason" in e) throw new Error(`deploy rehearsal cannot run: ${e.reason}`);
  engine = e;
  // An engine started here is the rehearsal's own: containers an interrupted run left behind go first.
  if (engine.socket) {
    const stale = engine.docker(["ps", "-aq"]).stdout.split("\n").filter(Boolean);
    if (stale.length) engine.docker(["rm", "-f", ...stale]);
  }
  const standin = ensureStandin(engine);
  figures.standinBuildSeconds = standin.seconds;
  // The service image, the monitoring stand-ins and the host image build side by side.
  const [service, monitoring, host] = await Promise.all([
    buildServiceImage(engine, await serviceBuild(), standin.tag),
    buildPinnedStandins(engine, standin.tag),
    buildHostImage(engine, standin.tag),
  ]);
  figures.imageBuildSeconds = Math.round(service.seconds * 10) / 10;
  figures.standinsBuildSeconds = Math.round(Math.max(...monitoring.map((m) => m.seconds), host.seconds) * 10) / 10;
  figures.imageSizeMB = Math.round(Number(inspect(TAG, "{{.Size}}")) / 1e5) / 10;
  console.log(`deploy rehearsal: ${JSON.stringify(figures)}`);
}, 1_500_000);

afterAll(async () => {
  for (const name of started) engine?.docker(["rm", "-f", name]);
  await engine?.stop();
}, 60_000);

describe("deploy rehearsal: the service image on a real Docker engine", () => {
  it("runs as the non-root node user with /data as a volume, and its HEALTHCHECK turns healthy", async () => {
    expect(inspect(TAG, "{{.Config.User}}")).toBe("node");
    expect(inspect(TAG, "{{json .Config.Volumes}}")).toContain('"/data"');
    const c = await run("rehearsal-health", `rehearsal-health-${Date.now()}`);
    expect(engine.docker(["exec", c.name, "id", "-u"]).stdout.trim()).toBe("1000");
    await until(() => inspect(c.name, "{{.State.Health.Status}}") === "healthy", 90_000, "HEALTHCHECK healthy");
  }, 180_000);

  it("serves /metrics only on the metrics port", async () => {
    const c = await run("rehearsal-metrics", `rehearsal-metrics-${Date.now()}`);
    const metrics = await fetch(`http://127.0.0.1:${c.metrics}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("taskflow_build_info");
    expect((await fetch(`http://127.0.0.1:${c.port}/metrics`)).status).toBe(404);
  }, 120_000);

  it("a task written survives docker kill and a new container on the same volume; SIGTERM drains and exits 0", async () => {
    const volume = `rehearsal-data-${Date.now()}`;
    const first = await run("rehearsal-data-1", volume);
    const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
    const created = await fetch(`http://127.0.0.1:${first.port}/tasks`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ title: "survives" }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(engine.docker(["kill", first.name]).code).toBe(0);
    const second = await run("rehearsal-data-2", volume);
    const got = await fetch(`http://127.0.0.1:${second.port}/tasks/${id}`, { headers: auth });
    expect(got.status).toBe(200);
    expect(((await got.json()) as { title: string }).title).toBe("survives");
    const stop = engine.docker(["stop", "-t", "20", second.name], { timeoutMs: 60_000 });
    expect(stop.code, stop.stderr).toBe(0);
    expect(inspect(second.name, "{{.State.ExitCode}}")).toBe("0");
  }, 180_000);
});

describe("deploy rehearsal: app-deploy.sh rolling real containers (ECR login/pull and awslogs stubbed)", () => {
  let dir: string;
  let shims: string;
  const ports = { port: 0, metrics: 0 };

  beforeAll(async () => {
    dir = tempDir("rehearsal-deploy-");
    shims = join(dir, "bin");
    mkdirSync(shims);
    // Stubs of what only AWS has: `sudo` (we are root), `aws ecr get-login-password`, and docker login/pull
    // against ECR (recorded no-ops; every other docker command reaches the real engine).
    const calls = join(dir, "calls");
    writeFileSync(join(shims, "sudo"), '#!/usr/bin/env bash\n# Stub: the rehearsal runs as root.\nexec "$@"\n');
    writeFileSync(
      join(shims, "aws"),
      `#!/usr/bin/env bash\n# Stub of the AWS CLI (AWS-specific).\necho "aws $*" >>${calls}\necho rehearsal-ecr-password\n`,
    );
    const real = spawnSync("which", ["docker"], { encoding: "utf8" }).stdout.trim();
    writeFileSync(
      join(shims, "docker"),
      `#!/usr/bin/env bash\n# Stub of ECR login/pull only (AWS-specific): recorded; everything else goes to the real engine.\ncase "$1" in login|pull) echo "docker $*" >>${calls}; cat >/dev/null 2>&1 || true; exit 0;; esac\nexec ${real} "$@"\n`,
    );
    for (const f of ["sudo", "aws", "docker"]) chmodSync(join(shims, f), 0o755);
    mkdirSync(join(dir, "data"));
    chownSync(join(dir, "data"), 1000, 1000);
    ports.port = await freePort();
    ports.metrics = await freePort();
    writeFileSync(join(dir, "app-deploy.sh"), hostScript("app-deploy.sh"));
  });

  afterAll(() => {
    for (const n of ["taskflow-blue", "taskflow-green", "taskflow-edge"]) engine?.docker(["rm", "-f", n]);
  });

  function deploy(image: string, token: string) {
    return runScript(
      join(dir, "app-deploy.sh"),
      shims,
      {
        IMAGE: image,
        REGION: "eu-west-1",
        LOG_GROUP: "/observed-app/rehearsal/taskflow",
        PORT: String(ports.port),
        METRICS_PORT: String(ports.metrics),
        FAULT_INJECTION: "off",
        EDGE_IMAGE: DEFAULT_IMAGES.edge,
        DATA_DIR: join(dir, "data"),
        SECRETS_DIR: join(dir, "etc"),
        EDGE_DIR: join(dir, "edge"),
        SLOT_PORT_BASE: "14000",
        LOG_DRIVER: "json-file",
        BIND_ADDRESS: "127.0.0.1",
        HEALTH_TRIES: "10",
        HEALTH_PATH,
      },
      `API_TOKEN=${token}\n`,
    );
  }
  const status = async (token: string) =>
    (await fetch(`http://127.0.0.1:${ports.port}/tasks`, { headers: { authorization: `Bearer ${token}` } })).status;

  it("deploys, then a rotated token recreates the container (old token 401, new 200); the same inputs change nothing", async () => {
    const first = deploy(TAG, TOKEN);
    expect(first.code, first.stderr).toBe(0);
    expect(await status(TOKEN)).toBe(200);
    const id = inspect(liveSlot(), "{{.Id}}");
    const same = deploy(TAG, TOKEN);
    expect(same.code, same.stderr).toBe(0);
    expect(inspect(liveSlot(), "{{.Id}}")).toBe(id);
    const rotated = "rotated-token-0123456789abcdef0123456789";
    const second = deploy(TAG, rotated);
    expect(second.code, second.stderr).toBe(0);
    expect(inspect(liveSlot(), "{{.Id}}")).not.toBe(id);
    expect(await status(TOKEN)).toBe(401);
    expect(await status(rotated)).toBe(200);
    expect(readFileSync(join(dir, "calls"), "utf8")).toMatch(/aws ecr get-login-password/);
  }, 600_000);

  it("an image that never passes /health fails the step with its last log lines, and the old container keeps serving", async () => {
    // A real image whose service cannot start: the same image with a command that exits at once.
    const broken = "taskflow:rehearsal-broken";
    const dockerfile = join(dir, "Dockerfile.broken");
    writeFileSync(
      dockerfile,
      `FROM ${TAG}\nCMD ["node", "-e", "console.error('rehearsal: broken build'); process.exit(3)"]\n`,
    );
    const b = engine.docker(["build", "-f", dockerfile, "-t", broken, dir], { env: { DOCKER_BUILDKIT: "0" } });
    expect(b.code, b.stderr).toBe(0);
    const serving = inspect(liveSlot(), "{{.Id}}");
    const r = deploy(broken, "rotated-token-0123456789abcdef0123456789");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/did not pass \/health \(the serving one is untouched\)/);
    expect(r.stderr).toContain("rehearsal: broken build");
    expect(inspect(liveSlot(), "{{.Id}}")).toBe(serving);
    expect(inspect(liveSlot(), "{{.State.Running}}")).toBe("true");
    expect(await status("rotated-token-0123456789abcdef0123456789")).toBe(200);
  }, 600_000);
});

describe("deploy rehearsal: the fleet's launch template user data, run for real (Secrets Manager and ECR login stubbed)", () => {
  // prod's user data as the program registers it; only what names AWS resources is pointed at local stand-ins:
  // the image digests (the image built above, node_exporter's stand-in), the RDS address (a real PostgreSQL with
  // TLS, on the Docker bridge so the container reaches it) and the ports (free ones).
  let dir: string;
  let shims: string;
  let secretsFile: string;
  let userData: string;
  let pg: PostgresServer;
  const ports = { port: 0, metrics: 0 };
  const names = ["taskflow", "node-exporter"];
  const tls = mockHostTls("rehearsal-rds", "127.0.0.1");

  beforeAll(async () => {
    dir = tempDir("rehearsal-fleet-");
    shims = join(dir, "bin");
    mkdirSync(shims);
    const calls = join(dir, "calls");
    secretsFile = join(dir, "secrets.json");
    // Containers on the default bridge reach this machine at its gateway: fixed when the engine starts (--bip).
    const gateway = engine.gateway;
    pg = await startPostgres({ tls, alsoListen: [gateway] });
    await pg.sql("CREATE DATABASE taskflow_fleet", "postgres");
    userData = (await captureFleetUserDataInChild({ stack: "prod", apiToken: TOKEN })).userData;
    // The secrets the user data names by ARN, as Secrets Manager would hold them.
    writeFileSync(
      secretsFile,
      JSON.stringify({
        [setting(userData, "TOKEN_SECRET_ARN")]: TOKEN,
        [setting(userData, "DB_SECRET_ARN")]: JSON.stringify({ username: pg.user, password: pg.password }),
      }),
    );
    // Stubs of what only AWS and an instance have: the AWS CLI (Secrets Manager from the file above, ECR's login
    // password), `sudo` (we are root), `systemctl` (no systemd here: recorded), ECR login (recorded). Every other
    // docker command reaches the real engine.
    writeFileSync(join(shims, "sudo"), '#!/usr/bin/env bash\n# Stub: the rehearsal runs as root.\nexec "$@"\n');
    writeFileSync(
      join(shims, "systemctl"),
      `#!/usr/bin/env bash\n# Stub: no systemd here.\necho "systemctl $*" >>${calls}\n`,
    );
    writeFileSync(
      join(shims, "aws"),
      [
        "#!/usr/bin/env bash",
        "# Stub of the AWS CLI: Secrets Manager answers from a file, ECR with a password.",
        `echo "aws $*" >>${calls}`,
        'case "$1 $2" in',
        '  "ecr get-login-password") echo rehearsal-ecr-password ;;',
        '  "secretsmanager get-secret-value")',
        '    while [ $# -gt 0 ]; do if [ "$1" = --secret-id ]; then id=$2; fi; shift; done',
        `    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' ${secretsFile} "$id" ;;`,
        '  *) echo "unexpected aws $*" >&2; exit 2 ;;',
        "esac",
        "",
      ].join("\n"),
    );
    const real = spawnSync("which", ["docker"], { encoding: "utf8" }).stdout.trim();
    writeFileSync(
      join(shims, "docker"),
      `#!/usr/bin/env bash\ncase "$1" in login) echo "docker $*" >>${calls}; cat >/dev/null; exit 0;; esac\nexec ${real} "$@"\n`,
    );
    for (const f of ["sudo", "systemctl", "aws", "docker"]) chmodSync(join(shims, f), 0o755);
    ports.port = await freePort();
    ports.metrics = await freePort();
    userData = withSettings(userData, {
      IMAGE: TAG,
      NODE_EXPORTER_IMAGE: DEFAULT_IMAGES.nodeExporter,
      DB_HOST: gateway,
      DB_PORT: String(pg.port),
      DB_NAME: "taskflow_fleet",
      PORT: String(ports.port),
      METRICS_PORT: String(ports.metrics),
      // The stand-in server's certificate is not one RDS issued: encrypted and channel-bound, not verified here
      // (verify-full against a CA is proven on real PostgreSQL in tests/service/postgres-tls.test.ts).
      DATABASE_TLS: "require",
    });
    // hostScript inlines common.sh where the script sources it: the user data carries no source line.
    expect(userData).not.toContain("source /tmp/observed-app/common.sh");
    writeFileSync(join(dir, "user-data"), userData);
  }, 120_000);

  afterAll(async () => {
    for (const n of names) engine?.docker(["rm", "-f", n]);
    await pg?.close();
  });

  const boot = (healthTries = "60") =>
    runScript(join(dir, "user-data"), shims, {
      SECRETS_DIR: join(dir, "etc"),
      RUN_DIR: join(dir, "run"),
      SBIN_DIR: join(dir, "sbin"),
      SYSTEMD_DIR: join(dir, "systemd"),
      LOG_DRIVER: "json-file",
      HEALTH_TRIES: healthTries,
    });
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${ports.port}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    });

  it("boots an instance: secrets read by ARN, the app and node_exporter by image, healthy on PostgreSQL over TLS, the password never in the container's environment", async () => {
    const r = boot();
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/taskflow is healthy/);
    const created = await api("/tasks", { method: "POST", body: JSON.stringify({ title: "from the fleet" }) });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    expect(await pg.sql(`SELECT title FROM tasks WHERE id = '${id}'`, "taskflow_fleet")).toBe("from the fleet");
    expect(
      await pg.sql(
        "SELECT coalesce(bool_and(s.ssl), false) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'taskflow'",
      ),
    ).toBe("t");
    // The container's environment names the password file, not the password; the file is the app user's only.
    const env = inspect("taskflow", "{{json .Config.Env}}");
    expect(env).not.toContain(pg.password);
    expect(env).toContain("DATABASE_PASSWORD_FILE=/run/taskflow/db-password");
    expect(env).toContain(`TRUST_PROXY=${setting(userData, "TRUSTED_PROXIES")}`);
    // The RDS CA bundle the fleet verifies against: named in the environment, and in the image at that path.
    const caFile = setting(userData, "DATABASE_CA_FILE");
    expect(env).toContain(`DATABASE_CA_FILE=${caFile}`);
    expect(engine.docker(["exec", "taskflow", "test", "-s", caFile]).code).toBe(0);
    const pw = spawnSync("stat", ["-c", "%a %u", join(dir, "run", "db-password")], { encoding: "utf8" }).stdout.trim();
    expect(pw).toBe("400 1000");
    expect(inspect("node-exporter", "{{.Config.Image}}")).toBe(DEFAULT_IMAGES.nodeExporter);
    const calls = readFileSync(join(dir, "calls"), "utf8");
    for (const arn of [setting(userData, "TOKEN_SECRET_ARN"), setting(userData, "DB_SECRET_ARN")]) {
      expect(calls).toContain(`aws secretsmanager get-secret-value --region eu-west-1 --secret-id ${arn}`);
    }
    expect(calls).toMatch(/aws ecr get-login-password --region eu-west-1/);
    expect(calls).toMatch(/systemctl enable --now taskflow-db-password\.timer/);
  }, 300_000);

  /** `Key=` values of a systemd unit the user data installed (space-separated lists split). */
  const unitValues = (file: string, key: string) =>
    [...readFileSync(join(dir, "systemd", file), "utf8").matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].flatMap((m) =>
      m[1].trim().split(/\s+/),
    );
  /** Run the refresher the user data installed, as systemd would (as root, the stubs first on PATH). */
  const runRefresher = (exec = join(dir, "sbin", "taskflow-db-password")) =>
    spawnSync(exec, { encoding: "utf8", env: { ...process.env, PATH: `${shims}:${process.env.PATH}` } });
  const healthy = async () =>
    (await fetch(`http://127.0.0.1:${ports.port}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => null))
      ?.ok === true;

  it("a reboot: the password file on /run is gone; the unit ordered before docker.service writes it before dockerd restarts the app, which is healthy", async () => {
    // Shutdown: the container stops, and /run (a tmpfs) is empty at the next boot. The user data does not run
    // again (cloud-init runs it once per instance).
    expect(engine.docker(["stop", "taskflow"]).code).toBe(0);
    rmSync(join(dir, "run"), { recursive: true, force: true });
    // Boot, in systemd's order: the services ordered Before=docker.service that docker.service or the boot target
    // pulls in, then dockerd, which restarts the app's container (--restart unless-stopped; `docker start` here,
    // since `docker stop` above marked it stopped).
    const beforeDocker = readdirSync(join(dir, "systemd"))
      .filter((f) => f.endsWith(".service"))
      .filter((f) => unitValues(f, "Before").includes("docker.service"))
      .filter((f) => unitValues(f, "WantedBy").some((t) => ["docker.service", "multi-user.target"].includes(t)));
    expect(beforeDocker).toContain("taskflow-db-password.service");
    expect(readFileSync(join(dir, "calls"), "utf8")).toMatch(/systemctl enable taskflow-db-password\.service/);
    for (const f of beforeDocker) {
      const r = runRefresher(unitValues(f, "ExecStart")[0]);
      expect(r.status, r.stderr).toBe(0);
    }
    const pw = spawnSync("stat", ["-c", "%a %u", join(dir, "run", "db-password")], { encoding: "utf8" }).stdout.trim();
    expect(pw).toBe("400 1000");
    // The timer also fires at boot (then every 5 minutes), not 5 minutes after it.
    expect(unitValues("taskflow-db-password.timer", "OnBootSec")).toEqual(["0"]);
    expect(engine.docker(["start", "taskflow"]).code).toBe(0);
    await until(healthy, 60_000, "taskflow /health after the reboot");
    const created = await api("/tasks", { method: "POST", body: JSON.stringify({ title: "after a reboot" }) });
    expect(created.status).toBe(201);
  }, 180_000);

  it("a rotated database password: until the refresher runs, requests get 503 with a reason (never 500); then the file is rewritten and new connections log in with it, no restart", async () => {
    const rotated = "rotated-by-rds-0123456789abcdef";
    await pg.sql(`ALTER ROLE ${pg.user} PASSWORD '${rotated}'`);
    const secrets = JSON.parse(readFileSync(secretsFile, "utf8")) as Record<string, string>;
    secrets[setting(userData, "DB_SECRET_ARN")] = JSON.stringify({ username: pg.user, password: rotated });
    writeFileSync(secretsFile, JSON.stringify(secrets));
    // The database drops the app's sessions (as a failover would): the next ones must log in, and the file still
    // holds the old password (the timer has not run yet).
    await pg.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'taskflow'");
    await new Promise((res) => setTimeout(res, 500));
    for (let i = 0; i < 5; i++) {
      const r = await api("/tasks", { method: "POST", body: JSON.stringify({ title: "in the window" }) });
      expect(r.status).toBe(503);
      expect(r.headers.get("retry-after")).toBe("5");
      expect(((await r.json()) as { message: string }).message).toBe("database unavailable; retry later");
    }
    expect((await fetch(`http://127.0.0.1:${ports.port}/health`)).status).toBe(503);
    const logs = engine.docker(["logs", "taskflow"]);
    expect(logs.stdout + logs.stderr).toContain('"event":"database_auth_failed"');
    expect(logs.stdout + logs.stderr).not.toContain(rotated);
    expect(logs.stdout + logs.stderr).not.toContain(pg.password);
    // What the timer runs, at boot and every 5 minutes.
    const refresh = runRefresher();
    expect(refresh.status, refresh.stderr).toBe(0);
    expect(readFileSync(join(dir, "run", "db-password"), "utf8")).toBe(rotated);
    let status = 0;
    for (let i = 0; i < 30 && status !== 201; i++) {
      status = (await api("/tasks", { method: "POST", body: JSON.stringify({ title: "after rotation" }) })).status;
      if (status !== 201) await new Promise((res) => setTimeout(res, 200));
    }
    expect(status).toBe(201);
    expect(await healthy()).toBe(true);
    expect(inspect("taskflow", "{{.RestartCount}}")).toBe("0");
  }, 120_000);

  it("a database that refuses the credentials: the user data fails with the container's last log lines (the instance then fails its health check)", async () => {
    const secrets = JSON.parse(readFileSync(secretsFile, "utf8")) as Record<string, string>;
    secrets[setting(userData, "DB_SECRET_ARN")] = JSON.stringify({ username: pg.user, password: "wrong-password" });
    writeFileSync(secretsFile, JSON.stringify(secrets));
    const r = boot("8");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/taskflow did not become healthy; last log lines:/);
    expect(r.stderr).toMatch(/password authentication failed/);
    expect(r.stderr).not.toContain("wrong-password");
  }, 300_000);
});

describe("deploy rehearsal: every remote step of dev, replayed over SSH on rehearsal hosts, then day 2", () => {
  const T1 = "rehearsal-replay-token-0123456789abcdef01";
  const T2 = "rehearsal-rotated-token-0123456789abcdef0";
  const dir = tempDir("rehearsal-replay-");
  const keysDir = join(dir, "keys");
  let registry: Registry;
  let replayer: Replayer;
  const hosts = new Map<string, RehearsalHost>();
  const devices: string[] = [];
  let imageRef = "";
  let capture: Capture;
  let appPort = 0;

  /** The rehearsal's two adaptations of the bundle, and nothing else (README, "What the tests prove"). */
  const adapt = (files: Bundle) =>
    editYaml(files, "docker-compose.yml", (doc) => {
      doc.deleteIn(["services", "grafana"]); // no Grafana image or package can be had here
      // The app host's node_exporter holds port 9100 of the one network both rehearsal hosts share.
      doc.deleteIn(["services", "node-exporter"]);
    });
  /** Instance resource name → the id its current instance has (a replaced host gets a new one). */
  const instanceIds: Record<string, string> = {};
  /** Changes to monitoring-config's code made in a round, so every later rendering has them. */
  const codeEdits: ((files: Bundle) => Bundle)[] = [];
  /** The app edge's certificate after a renewal round: the state keeps it, so every later capture has it. */
  let renewedTls: { certPem: string; keyPem: string } | undefined;
  /** The Grafana admin password after a rotation round: the stack file keeps it, so every later capture has it. */
  let grafanaAdminPassword: string | undefined;
  const captureRound = async (apiToken: string, instanceIds: Record<string, string> = {}) =>
    withRenewedTls(
      await withBundle(
        await captureInChild({ stack: "dev", apiToken, grafanaAdminPassword, imageRef, instanceIds, keysDir }),
        (files) => codeEdits.reduce((f, edit) => edit(f), adapt(files)),
      ),
    );
  /** A capture whose deploy step carries the renewed certificate (stdin and the fingerprint in its triggers). */
  const withRenewedTls = (c: Capture): Capture => {
    if (!renewedTls) return c;
    const { certPem, keyPem } = renewedTls;
    const b64 = (pem: string) => Buffer.from(pem).toString("base64");
    const old = certificateFingerprint(appCertificate(c));
    return {
      ...c,
      steps: c.steps.map((st) =>
        st.name.endsWith("app-deploy")
          ? {
              ...st,
              stdin: st
                .stdin!.replace(/^TLS_CERT_B64=.*$/m, `TLS_CERT_B64=${b64(certPem)}`)
                .replace(/^TLS_KEY_B64=.*$/m, `TLS_KEY_B64=${b64(keyPem)}`),
              triggers: st.triggers.map((t) => (t === old ? certificateFingerprint(certPem) : t)),
            }
          : st,
      ),
    };
  };
  /** `<mode> <uid>:<gid>` of a path on the hosts' file system ("" when it does not exist). */
  const stat = (path: string) => engine.inEngineNamespace!(["stat", "-c", "%a %u:%g", path]).stdout.trim();
  const hostOf = (instance: string) => [...hosts.values()].find((h) => h.facts.instance.endsWith(instance))!;
  const ranSteps = (rs: StepResult[]) => rs.filter((r) => r.action === "created" || r.action === "updated");
  const names = (rs: StepResult[]) => rs.map((r) => r.step.replace(/^observed-app-dev-/, "")).sort();
  /** Every step of a round with what happened to it (and a failed one's last stderr lines): an assertion's message. */
  const outcome = (rs: StepResult[]) =>
    rs.map((r) => `${r.step}: ${r.action}${r.error ? `\n${r.error}` : ""}`).join("\n");
  /** The app edge's certificate: what the deploy step gets on stdin (TLS_CERT_B64). */
  const appCertificate = (c: Capture = capture) => {
    const stdin = c.steps.find((s) => s.name.endsWith("app-deploy"))?.stdin ?? "";
    const b64 = /^TLS_CERT_B64=(.*)$/m.exec(stdin)?.[1];
    if (!b64) throw new Error("the deploy step carries no TLS certificate on stdin");
    return Buffer.from(b64, "base64").toString("utf8");
  };
  /** fetch pinned to the app edge's / the monitoring host's certificate, as `npm run verify` reaches them. */
  const appFetch = () => pinnedFetch(certificateFingerprint(appCertificate()));
  let monitoringFingerprint = "";
  const monFetch = () => pinnedFetch(monitoringFingerprint);
  /** Prometheus's HTTP API on the monitoring host (its `data`, as the endpoint returns it). */
  const prom = async <T>(path: string) =>
    ((await (await monFetch()(`https://127.0.0.1:9090${path}`, { headers: webAuth() })).json()) as { data: T }).data;
  /** Basic auth of the monitoring host's Prometheus and Alertmanager: what the apply step gets on stdin. */
  const webAuth = () => {
    const stdin = capture.steps.find((s) => s.name.endsWith("monitoring-apply"))?.stdin ?? "";
    const [user, password] = ["WEB_USER", "WEB_PASSWORD"].map((k) => new RegExp(`^${k}=(.*)$`, "m").exec(stdin)?.[1]);
    if (!user || !password) throw new Error("the apply step carries no web credentials on stdin");
    return authHeaders({ username: user, password });
  };
  const ruleFor = async (alert: string) =>
    (await prom<{ groups: { rules: { name: string; duration: number }[] }[] }>("/api/v1/rules")).groups
      .flatMap((g) => g.rules)
      .find((r) => r.name === alert);
  /**
   * Replace a host as a new instance would: the old one is retired (with what it kept under `rootPaths`), the
   * program gives the instance a new id, a new host gets the same data volume, and one `pulumi up` runs.
   */
  async function replaceHost(instance: string, rootPaths: string[], round: string): Promise<StepResult[]> {
    const old = hostOf(instance);
    retireHost(engine, old, rootPaths);
    const replacedId = `${old.facts.id}-replaced`;
    instanceIds[old.facts.instance] = replacedId;
    capture = await captureRound(T2, instanceIds);
    const facts = capture.hosts.find((h) => h.instance === old.facts.instance)!;
    expect(facts.id).toBe(replacedId);
    hosts.set(facts.address, await startHost(engine, facts, old.device, join(dir, "hosts")));
    const rs = await replayer.up(round, capture);
    expect(
      rs.every((r) => r.action !== "failed"),
      JSON.stringify(rs.map((r) => [r.step, r.action, r.error])),
    ).toBe(true);
    return rs;
  }
  const tasks = (token: string) =>
    appFetch()(`https://127.0.0.1:${appPort}/tasks`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    const r = await startRegistry(join(dir, "registry"));
    if ("reason" in r) throw new Error(`deploy rehearsal cannot run: ${r.reason}`);
    registry = r;
    // The hosts' file system starts empty, as new instances' do (an earlier run's files and mounts go).
    engine.inEngineNamespace?.(["sh", "-c", "umount -R /srv/* 2>/dev/null; rm -rf /srv/* /opt/* /tmp/observed-app/*"]);
    imageRef = await pushImage(engine, registry, TAG, "taskflow", "rehearsal-1");
    capture = await captureRound(T1);
    monitoringFingerprint = certificateFingerprint((await bundleOf(capture)).files["prometheus/tls/server.crt"]);
    appPort = Number(/ PORT=(\d+)/.exec(capture.steps.find((s) => s.name.endsWith("app-deploy"))!.create)![1]);
    for (const facts of capture.hosts) {
      const device = dataVolume(join(dir, "volumes"), facts.instance);
      devices.push(device);
      hosts.set(facts.address, await startHost(engine, facts, device, join(dir, "hosts")));
    }
    replayer = new Replayer(engine, hosts, join(dir, "ssh"), (line) => console.log(`[rehearse] ${line}`));
  }, 600_000);

  afterAll(() => {
    if (replayer) console.log(`deploy rehearsal, every step:\n${summaryTable(replayer.results)}`);
    for (const h of hosts.values()) retireHost(engine, h);
    for (const d of devices) detachVolume(d);
    return registry?.stop();
  }, 120_000);

  it("round 1: the bootstrap, the deploy by digest and the monitoring bundle → validate → apply all run, in dependency order", async () => {
    const rs = await replayer.up("1 first up", capture);
    expect(rs.map((r) => [r.step, r.action, r.error ?? ""])).toEqual(rs.map((r) => [r.step, "created", ""]));
    expect(names(rs)).toEqual([
      "app-bootstrap",
      "app-deploy",
      "monitoring-apply",
      "monitoring-bootstrap",
      "monitoring-bundle",
    ]);
    const order = rs.map((r) => r.step);
    for (const s of capture.steps)
      for (const a of s.after) expect(order.indexOf(a)).toBeLessThan(order.indexOf(s.name));
    // The app: pulled by digest from the registry, serving, its data on the xfs data volume.
    expect(inspect(liveSlot(), "{{.Config.Image}}")).toBe(imageRef);
    expect((await tasks(T1)).status).toBe(200);
    // The public port speaks only TLS, with the certificate the stack issued: plain HTTP is refused, and a
    // client pinned to any other certificate stops before sending anything.
    expect((await fetch(`http://127.0.0.1:${appPort}/health`)).status).toBe(400);
    const otherPin = pinnedFetch(certificateFingerprint(appCertificate()).replace(/^../, "00"));
    await expect(otherPin(`https://127.0.0.1:${appPort}/health`)).rejects.toThrow();
    const app = hostOf("app-host");
    const mount = engine.docker(["exec", app.container, "findmnt", "-n", "-o", "SOURCE,FSTYPE", "/srv/taskflow"]);
    expect(mount.stdout.trim()).toBe("/dev/sdf xfs");
    expect((await fetch("http://127.0.0.1:9100/metrics")).status).toBe(200);
    // Monitoring: Prometheus and Alertmanager ready behind basic auth with the rendered rules; only the stubs'
    // calls recorded.
    // Both also speak only TLS, with the monitoring host's certificate (Prometheus scrapes itself and reaches
    // Alertmanager over it: the targets are up).
    for (const port of [9090, 9093]) {
      expect((await monFetch()(`https://127.0.0.1:${port}/-/ready`)).status).toBe(401);
      expect((await monFetch()(`https://127.0.0.1:${port}/-/ready`, { headers: webAuth() })).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/-/ready`, { headers: webAuth() })).status).toBe(400);
    }
    await until(
      async () => {
        const up = await prom<{ result: { metric: { job: string }; value: [number, string] }[] }>(
          `/api/v1/query?query=up{job=~"prometheus|alertmanager"}`,
        );
        return up.result.length === 2 && up.result.every((r) => r.value[1] === "1");
      },
      60_000,
      "Prometheus's https scrapes of itself and Alertmanager",
    );
    expect((await ruleFor("PrometheusConfigReloadFailed"))?.duration).toBe(300);
    // The bundle holds secrets: installed root-owned, each service's files 0640 for its container's group; the
    // staged copies are gone.
    expect(stat("/opt/monitoring/prometheus/prometheus.yml")).toBe("640 0:65534");
    expect(stat("/opt/monitoring/prometheus")).toBe("750 0:65534");
    expect(stat("/opt/monitoring/alertmanager/alertmanager.yml")).toBe("640 0:65534");
    expect(stat("/opt/monitoring/grafana/grafana.ini")).toBe("640 0:472");
    expect(stat("/opt/monitoring/docker-compose.yml")).toBe("600 0:0");
    // The secrets came on the apply step's stdin and sit beside the configuration, as private as the rest.
    expect(stat("/opt/monitoring/prometheus/secrets/web-password")).toBe("640 0:65534");
    expect(stat("/opt/monitoring/prometheus/secrets/server.key")).toBe("640 0:65534");
    expect(stat("/opt/monitoring/grafana/secrets/admin-password")).toBe("640 0:472");
    expect(stat("/tmp/observed-app/bundle")).toBe("");
    expect(stat("/opt/monitoring.next")).toBe("");
    // The monitoring containers log to journald, as on Amazon Linux (the engine namespace runs a real one).
    const journal = engine.inEngineNamespace!([
      "journalctl",
      "--no-pager",
      "-o",
      "cat",
      "CONTAINER_NAME=monitoring-prometheus-1",
    ]).stdout;
    expect(journal).toMatch(/Server is ready to receive web requests/);
    const stubs = engine.docker(["exec", app.container, "cat", "/var/log/rehearsal-stubs.log"]).stdout;
    expect(stubs).toMatch(/^aws ecr get-login-password/m);
    expect(stubs).toMatch(/^systemctl enable --now docker/m);
    expect(stubs).toMatch(/^docker --log-driver awslogs -> json-file/m);
    expect(stubs).not.toMatch(/^dnf/m);
  }, 600_000);

  it("an identical second run changes nothing; forced, every script runs again and recreates no container", async () => {
    const ids = () => engine.docker(["ps", "-q", "--no-trunc"]).stdout.split("\n").filter(Boolean).sort();
    const before = ids();
    const started = inspect("monitoring-prometheus-1", "{{.State.StartedAt}}");
    const same = await replayer.up("2 same inputs", capture);
    expect(same.map((r) => r.action)).toEqual(same.map(() => "unchanged"));
    const forced = await replayer.up("2 forced", capture, { force: true });
    expect(forced.map((r) => [r.step, r.action, r.error ?? ""])).toEqual(forced.map((r) => [r.step, "updated", ""]));
    expect(ids()).toEqual(before);
    expect(inspect("monitoring-prometheus-1", "{{.State.StartedAt}}")).toBe(started);
  }, 600_000);

  it("a rotated API token re-runs only the deploy: the old token gets 401, the new one 200", async () => {
    capture = await captureRound(T2);
    const rs = await replayer.up("3 token rotated", capture);
    expect(names(ranSteps(rs)), outcome(rs)).toEqual(["app-deploy"]);
    expect(rs.every((r) => r.action !== "failed")).toBe(true);
    expect((await tasks(T1)).status).toBe(401);
    expect((await tasks(T2)).status).toBe(200);
  }, 600_000);

  // Within its last 30 days the tls provider issues a new certificate (earlyRenewalHours): the fingerprint in the
  // deploy's triggers changes and only the deploy runs, which reloads the edge and keeps the container.
  it("a renewed certificate re-runs only the deploy: the edge serves it after a reload, the container stays", async () => {
    const container = inspect(liveSlot(), "{{.Id}}");
    const before = appFetch();
    const address = capture.hosts.find((h) => h.instance.endsWith("app-host"))!.address;
    renewedTls = mockHostTls("rehearsal-renewed-app-tls", address);
    capture = withRenewedTls(capture);
    const rs = await replayer.up("3b certificate renewed", capture);
    expect(names(ranSteps(rs)), outcome(rs)).toEqual(["app-deploy"]);
    expect(rs.every((r) => r.action !== "failed")).toBe(true);
    expect(rs.find((r) => r.step.endsWith("app-deploy"))?.result?.stdout).toMatch(
      /edge reloaded with its new certificate/,
    );
    expect(inspect(liveSlot(), "{{.Id}}")).toBe(container);
    expect((await appFetch()(`https://127.0.0.1:${appPort}/health`)).status).toBe(200);
    await expect(before(`https://127.0.0.1:${appPort}/health`)).rejects.toThrow(/is not the pinned/);
    expect((await tasks(T2)).status).toBe(200);
  }, 600_000);

  // The switch goes through the edge (nginx, graceful reload) between two slots: no request may fail.
  // The apply removes the staged bundle once applied: a rotated secret must re-stage it, or the apply finds
  // nothing to apply (found when the steps' scripts were first given their ports as environment).
  it("a rotated Grafana password re-stages the bundle and re-applies: the host's secret file holds the new one", async () => {
    const secretFile = "/opt/monitoring/grafana/secrets/admin-password";
    const read = () => engine.inEngineNamespace!(["cat", secretFile]).stdout.trim();
    const before = read();
    grafanaAdminPassword = "rehearsal-rotated-grafana-password";
    capture = await captureRound(T2);
    const rs = await replayer.up("3c grafana password rotated", capture);
    expect(names(ranSteps(rs)), outcome(rs)).toEqual(["monitoring-apply", "monitoring-bundle"]);
    expect(
      rs.every((r) => r.action !== "failed"),
      outcome(rs),
    ).toBe(true);
    expect(before).not.toBe(grafanaAdminPassword);
    expect(read()).toBe(grafanaAdminPassword);
  }, 600_000);

  it("a new image digest rolls out while a client polls /health and /tasks through the switch: no request fails", async () => {
    const dockerfile = join(dir, "Dockerfile.v2");
    writeFileSync(dockerfile, `FROM ${TAG}\nLABEL observed-app.rehearsal-revision="2"\n`);
    const b = engine.docker(["build", "-q", "-f", dockerfile, "-t", "taskflow:rehearsal-2", dir], {
      env: { DOCKER_BUILDKIT: "0" },
    });
    expect(b.code, b.stderr).toBe(0);
    const previous = imageRef;
    imageRef = await pushImage(engine, registry, "taskflow:rehearsal-2", "taskflow", "rehearsal-2");
    expect(imageRef).not.toBe(previous);
    capture = await captureRound(T2);
    const poll = pollDuring(appPort, T2, appFetch());
    const rs = await replayer.up("4 new digest", capture);
    const polled = await poll.stop();
    console.log(`[rehearse] polling through the switch: ${JSON.stringify(polled.summary)}`);
    expect(names(ranSteps(rs)), outcome(rs)).toEqual(["app-deploy"]);
    expect(rs.every((r) => r.action !== "failed")).toBe(true);
    expect(inspect(liveSlot(), "{{.Config.Image}}")).toBe(imageRef);
    expect(polled.summary.requests).toBeGreaterThan(20);
    expect(polled.failures).toEqual([]);
  }, 600_000);

  it("a rule change is validated, applied and reloaded: Prometheus is not restarted and keeps its TSDB data", async () => {
    const started = inspect("monitoring-prometheus-1", "{{.State.StartedAt}}");
    const reloadedAt = async () =>
      Date.parse((await prom<{ lastConfigTime: string }>("/api/v1/status/runtimeinfo")).lastConfigTime);
    const reloadBefore = await reloadedAt();
    // A sample from before the change: Prometheus's first scrape of itself (its scrape interval is the stack's).
    let tBefore = 0;
    await until(
      async () => {
        const r = await prom<{ result: { value: [number, string] }[] }>(`/api/v1/query?query=up{job="prometheus"}`);
        tBefore = r.result[0]?.value[0] ?? 0;
        return tBefore > 0;
      },
      120_000,
      "Prometheus's first scrape of itself",
    );
    const slower = (files: Bundle) =>
      editYaml(files, "prometheus/rules/meta.yml", (doc) => doc.setIn(["groups", 0, "rules", 0, "for"], "10m"));
    capture = await withBundle(capture, slower);
    codeEdits.push(slower);
    const rs = await replayer.up("5 rule changed", capture);
    expect(names(ranSteps(rs)), outcome(rs)).toEqual(["monitoring-apply", "monitoring-bundle"]);
    expect(rs.every((r) => r.action !== "failed")).toBe(true);
    expect((await ruleFor("PrometheusConfigReloadFailed"))?.duration).toBe(600);
    expect(inspect("monitoring-prometheus-1", "{{.State.StartedAt}}")).toBe(started);
    expect(await reloadedAt()).toBeGreaterThan(reloadBefore);
    const old = await prom<{ result: unknown[] }>(`/api/v1/query?query=up{job="prometheus"}&time=${tBefore}`);
    expect(old.result.length).toBe(1);
  }, 600_000);

  it("a broken rule file is refused before apply with promtool's message; the old rules stay loaded", async () => {
    const started = inspect("monitoring-prometheus-1", "{{.State.StartedAt}}");
    const good = capture;
    const broken = await withBundle(capture, (files) =>
      editYaml(files, "prometheus/rules/meta.yml", (doc) =>
        doc.setIn(["groups", 0, "rules", 0, "expr"], "prometheus_config_last_reload_successful =="),
      ),
    );
    const rs = await replayer.up("6 broken rule", broken);
    const apply = rs.find((r) => r.step.endsWith("monitoring-apply"))!;
    expect(apply.action).toBe("failed");
    expect(apply.error).toMatch(/meta\.yml/);
    expect(apply.error).toMatch(/parse error|unexpected end of input/);
    expect((await ruleFor("PrometheusConfigReloadFailed"))?.duration).toBe(600);
    expect(inspect("monitoring-prometheus-1", "{{.State.StartedAt}}")).toBe(started);
    expect(stat("/opt/monitoring.next")).toBe("");
    // The staged bundle stays (private to the SSH user): the next up with the same bundle re-runs only the apply,
    // which must fail the same way, on promtool's message, not on a missing bundle.
    expect(stat("/tmp/observed-app/bundle")).toMatch(/^700 [1-9]\d*:[1-9]\d*$/);
    const again = await replayer.up("6 broken rule, retried", broken);
    expect(names(again.filter((r) => r.action !== "unchanged"))).toEqual(["monitoring-apply"]);
    const retried = again.find((r) => r.step.endsWith("monitoring-apply"))!;
    expect(retried.action).toBe("failed");
    expect(retried.error).toMatch(/parse error|unexpected end of input/);
    const live = engine.inEngineNamespace!(["cat", "/opt/monitoring/prometheus/rules/meta.yml"]).stdout;
    expect(live).toContain("for: 10m");
    expect(live).not.toMatch(/expr: prometheus_config_last_reload_successful ==\s*$/m);
    capture = good;
  }, 600_000);

  it("a replaced app host gets everything re-applied and its data volume re-attached: a task written before is still there", async () => {
    const created = await appFetch()(`https://127.0.0.1:${appPort}/tasks`, {
      method: "POST",
      headers: { authorization: `Bearer ${T2}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "written before the host was replaced" }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const rs = await replaceHost("app-host", ["/opt/taskflow-edge"], "7 app host replaced");
    expect(names(ranSteps(rs)), outcome(rs)).toEqual(expect.arrayContaining(["app-bootstrap", "app-deploy"]));
    expect(names(ranSteps(rs)), outcome(rs)).not.toContain("monitoring-apply");
    // The bundle step ran without an apply after it: its staged copy is private to the SSH user.
    expect(stat("/tmp/observed-app/bundle")).toMatch(/^700 [1-9]\d*:[1-9]\d*$/);
    expect(stat("/tmp/observed-app/bundle/grafana/grafana.ini")).toMatch(/^600 /);
    // Configuration only: the secrets never reach the staging directory.
    expect(stat("/tmp/observed-app/bundle/prometheus/secrets")).toBe("");
    const got = await appFetch()(`https://127.0.0.1:${appPort}/tasks/${id}`, {
      headers: { authorization: `Bearer ${T2}` },
    });
    expect(got.status).toBe(200);
    expect((await fetch("http://127.0.0.1:9100/metrics")).status).toBe(200);
  }, 600_000);

  it("a replaced monitoring host re-attaches its volume: Prometheus's TSDB and an Alertmanager silence survive", async () => {
    const am = (path: string, init: RequestInit = {}) =>
      monFetch()(`https://127.0.0.1:9093${path}`, {
        ...init,
        headers: { ...webAuth(), "content-type": "application/json" },
      });
    const now = new Date();
    const silence = await am("/api/v2/silences", {
      method: "POST",
      body: JSON.stringify({
        matchers: [{ name: "alertname", value: "HostHighCpu", isRegex: false, isEqual: true }],
        startsAt: now.toISOString(),
        endsAt: new Date(now.getTime() + 3_600_000).toISOString(),
        createdBy: "rehearsal",
        comment: "must survive a host replacement",
      }),
    });
    expect(silence.status).toBe(200);
    const { silenceID } = (await silence.json()) as { silenceID: string };
    const sample = await prom<{ result: { value: [number, string] }[] }>(`/api/v1/query?query=up{job="prometheus"}`);
    const tBefore = sample.result[0].value[0];
    // Alertmanager writes its silences to the volume on shutdown; the instance stops before it is replaced.
    const rs = await replaceHost(
      "monitoring-host",
      ["/opt/monitoring", "/tmp/observed-app/bundle"],
      "8 monitoring host replaced",
    );
    expect(names(ranSteps(rs)), outcome(rs)).toEqual(["monitoring-apply", "monitoring-bootstrap", "monitoring-bundle"]);
    const kept = await prom<{ result: unknown[] }>(`/api/v1/query?query=up{job="prometheus"}&time=${tBefore}`);
    expect(kept.result.length).toBe(1);
    const after = await am(`/api/v2/silence/${silenceID}`);
    expect(after.status).toBe(200);
    expect(((await after.json()) as { status: { state: string } }).status.state).toBe("active");
  }, 600_000);
});

/** A client polling /health and /tasks every 50 ms until stopped: counts requests and records every failure. */
function pollDuring(port: number, token: string, f: typeof fetch) {
  let running = true;
  const failures: { at: number; path: string; why: string }[] = [];
  let requests = 0;
  // A keep-alive connection the edge closes as its old workers exit (a graceful reload) can race a request sent on
  // it: undici then reports "other side closed" before any byte of a response. HTTP lets a client retry an
  // idempotent request on such a connection (RFC 9112, 9.3.1), as browsers and Go's transport do, so a GET is sent
  // once more on a new connection and counted; it fails only if that one fails too. (A fresh-clone run saw one such
  // race in ≈ 200 polls through the switch.)
  let retriedOnClosedConnection = 0;
  const once = async (path: string, headers: Record<string, string>) => {
    const r = await f(`https://127.0.0.1:${port}${path}`, { headers, signal: AbortSignal.timeout(5000) });
    await r.arrayBuffer();
    return r.status;
  };
  const loop = (async () => {
    while (running) {
      for (const [path, headers] of [
        ["/health", {}],
        ["/tasks?limit=5", { authorization: `Bearer ${token}` }],
      ] as const) {
        requests++;
        const at = Date.now();
        try {
          const status = await once(path, headers).catch((err: unknown) => {
            const cause = (err as Error & { cause?: Error }).cause;
            if (cause?.message !== "other side closed") throw err;
            retriedOnClosedConnection++;
            return once(path, headers);
          });
          if (status !== 200) failures.push({ at, path, why: `HTTP ${status}` });
        } catch (err) {
          const cause = (err as Error & { cause?: Error }).cause;
          failures.push({ at, path, why: String(cause?.message ?? (err as Error).message) });
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const windowMs = failures.length ? failures[failures.length - 1].at - failures[0].at : 0;
      return { failures, summary: { requests, failed: failures.length, windowMs, retriedOnClosedConnection } };
    },
  };
}
