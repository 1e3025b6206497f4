/**
 * A real Docker engine for the deploy rehearsal: the one DOCKER_HOST points at, or a `dockerd` started here
 * (Debian's docker.io; root needed) with its own data root and socket, stopped afterwards. No image can be pulled
 * on our machines: base images are local stand-ins (standin.ts).
 *
 * The rehearsal hosts (host.ts) are containers whose docker CLI drives this same engine, so the containers they
 * start are siblings, and a path a host script hands to `docker run -v` is resolved by the engine, not by the
 * host. So that such paths mean the same thing on both sides, the engine started here runs in its own mount
 * namespace where the host paths the scripts use (/srv, /opt, /tmp/observed-app) are directories of the
 * rehearsal (HOSTFS), bound at the same paths into every rehearsal host. /srv is a shared mount, so a data
 * volume a host script mounts under it is seen by the engine too; so is the namespace's / (node_exporter's
 * `-v /:/host:ro,rslave` needs that), while nothing propagates back to the machine, whose /srv and /opt stay
 * untouched.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";

export interface Engine {
  /** Environment for the docker CLI (DOCKER_HOST). */
  env: NodeJS.ProcessEnv;
  /** The engine's socket on this machine (bound into rehearsal hosts), when the engine was started here. */
  socket?: string;
  /** The default bridge's gateway: where containers on it reach this machine. */
  gateway: string;
  /** Run a command in the engine's mount namespace (unmount a host's data volume), when started here. */
  inEngineNamespace?(args: string[]): DockerResult;
  docker(args: string[], opts?: DockerOptions): DockerResult;
  /** The same without blocking the event loop (builds that run side by side, containers serving meanwhile). */
  dockerAsync(args: string[], opts?: DockerOptions): Promise<DockerResult>;
  stop(): Promise<void>;
}

export interface DockerOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface DockerResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Poll `ok` until it holds or `timeoutMs` passes. */
export async function until(ok: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * Where a dockerd started here keeps its images between runs: the warm cache (the stand-in base, the layers of
 * every image build). `.ci/run` in new-machine mode removes it, so the run starts with no engine state.
 */
export const REHEARSAL_ROOT = "/var/tmp/observed-app-rehearsal";
const DATA_ROOT = join(REHEARSAL_ROOT, "docker");
const SOCKET = join(REHEARSAL_ROOT, "docker.sock");
const PIDFILE = join(REHEARSAL_ROOT, "dockerd.pid");
/** The rehearsal hosts' file system: what the engine sees at the paths of HOST_PATHS. */
export const HOSTFS = join(REHEARSAL_ROOT, "hostfs");
/** Host paths the host scripts hand to `docker run -v` (or mount under), bound from HOSTFS in the engine's namespace. */
export const HOST_PATHS = ["/srv", "/opt", "/tmp/observed-app"] as const;

function dockerWith(env: NodeJS.ProcessEnv): Engine["docker"] {
  return (args, opts = {}) => {
    const r = spawnSync("docker", args, {
      env: { ...process.env, ...env, ...opts.env },
      input: opts.input,
      encoding: "utf8",
      timeout: opts.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? "") };
  };
}

/** Run a command without blocking the event loop: stdin written and closed, output collected, killed at the timeout. */
export function runCollected(cmd: string, args: string[], opts: DockerOptions = {}): Promise<DockerResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("error", (e) => err.push(Buffer.from(String(e))));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin.end(opts.input ?? "");
  });
}

function dockerAsyncWith(env: NodeJS.ProcessEnv): Engine["dockerAsync"] {
  return (args, opts = {}) => runCollected("docker", args, { ...opts, env: { ...env, ...opts.env } });
}

const reachable = (env: NodeJS.ProcessEnv) => dockerWith(env)(["info", "--format", "{{.ServerVersion}}"]).code === 0;

const enginePid = () => (existsSync(PIDFILE) ? Number(readFileSync(PIDFILE, "utf8").trim()) : undefined);

function namespaceRunner(): NonNullable<Engine["inEngineNamespace"]> {
  return (args) => {
    const pid = enginePid();
    if (!pid) return { code: 1, stdout: "", stderr: "no engine pid" };
    const r = spawnSync("nsenter", ["--target", String(pid), "--mount", "--", ...args], { encoding: "utf8" });
    return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? "") };
  };
}

/** Where the engine namespace's own systemd-journald keeps its journal (read it with `journalctl -D`). */
export const JOURNAL_DIR = join(REHEARSAL_ROOT, "journal");

/** Mount points namespaceScript created on the machine (e.g. /tmp/observed-app): removed when the engine stops. */
const createdMountPoints: string[] = [];

/**
 * The shell that enters the engine's namespace: HOSTFS bound at HOST_PATHS (/srv shared), a systemd-journald of
 * its own (the compose file logs with the journald driver, as on Amazon Linux, and dockerd needs a journald that
 * answers: the machine's may not run at all), then dockerd, with journald stopped when dockerd exits.
 */
function namespaceScript(): string {
  const binds = HOST_PATHS.map((p) => {
    const src = join(HOSTFS, p);
    mkdirSync(src, { recursive: true });
    // Under /tmp, as on an instance, anyone may create (the bundle step runs as the SSH user, without sudo).
    if (p.startsWith("/tmp/")) chmodSync(src, 0o1777);
    // The mount point, on the machine: created if missing, and then removed again when the engine stops.
    const created = mkdirSync(p, { recursive: true });
    if (created) createdMountPoints.push(created);
    return `mount --bind '${src}' '${p}'`;
  });
  // Shared within this namespace only (it is private from the machine's): containers may bind with rslave.
  mkdirSync(JOURNAL_DIR, { recursive: true });
  const journald = [
    "mkdir -p /run/systemd/journal /run/log",
    "mount -t tmpfs tmpfs /run/systemd/journal",
    `mount --bind '${JOURNAL_DIR}' /run/log`,
    "/lib/systemd/systemd-journald & journald=$!",
  ];
  const dockerd = [
    'dockerd "$@" & dockerd=$!',
    "trap 'kill -TERM $dockerd' TERM INT",
    // The trap interrupts the first wait; the second collects dockerd's exit.
    "wait $dockerd || wait $dockerd || true",
    "kill -TERM $journald",
  ];
  return ["mount --make-rshared /", ...binds, "mount --make-rshared /srv", ...journald, ...dockerd].join("\n");
}

/**
 * The default bridge of an engine started here: fixed by `--bip`, so the gateway the containers reach this
 * machine on is known before the engine starts (a freshly started engine may report none for its bridge).
 */
export const BRIDGE = { cidr: "172.30.213.1/24", gateway: "172.30.213.1" } as const;

/** The default bridge's gateway of an engine we did not start: as the engine reports it, or a clear error. */
function reportedGateway(docker: Engine["docker"]): string {
  const gw = docker(["network", "inspect", "bridge", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}"]).stdout.trim();
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(gw)) {
    throw new Error(
      `the engine at DOCKER_HOST reports no gateway for its default bridge ("${gw}"): start it with --bip, ` +
        `or unset DOCKER_HOST so the rehearsal starts an engine of its own (bridge ${BRIDGE.cidr})`,
    );
  }
  return gw;
}

/** Stop a dockerd of ours that an interrupted run left running (its pidfile names it). */
async function stopLeftEngine(env: NodeJS.ProcessEnv): Promise<void> {
  const pid = enginePid();
  if (pid && reachable(env)) {
    process.kill(pid, "SIGTERM");
    await until(() => !reachable(env), 60_000, "the dockerd an earlier run left to stop");
  }
}

/**
 * A usable engine, or the reason there is none (the rehearsal then fails, saying why). With DOCKER_HOST set and
 * answering, that engine (left running afterwards: it is not ours). Otherwise a dockerd of the rehearsal's own,
 * always started afresh (one an interrupted run left is stopped first) and stopped by `stop()`: its images stay
 * in DATA_ROOT as the warm cache, nothing of it keeps running.
 */
export async function startEngine(): Promise<Engine | { reason: string }> {
  if (process.env.DOCKER_HOST && reachable({})) {
    const docker = dockerWith({});
    return {
      env: {},
      docker,
      dockerAsync: dockerAsyncWith({}),
      gateway: reportedGateway(docker),
      stop: async () => {},
    };
  }
  const env = { DOCKER_HOST: `unix://${SOCKET}` };
  if (spawnSync("which", ["dockerd"]).status !== 0) return { reason: "no dockerd (apt-get install docker.io)" };
  if (process.getuid?.() !== 0) return { reason: "dockerd needs root" };
  if (!existsSync("/lib/systemd/systemd-journald")) return { reason: "no systemd-journald (apt-get install systemd)" };
  await stopLeftEngine(env);
  mkdirSync(DATA_ROOT, { recursive: true });
  const logFile = join(REHEARSAL_ROOT, "dockerd.log");
  const log = openSync(logFile, "w");
  const daemon: ChildProcess = spawn(
    "unshare",
    [
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-ec",
      namespaceScript(),
      "dockerd",
      "--data-root",
      DATA_ROOT,
      "--host",
      env.DOCKER_HOST,
      "--pidfile",
      PIDFILE,
      "--bip",
      BRIDGE.cidr,
    ],
    { stdio: ["ignore", log, log], detached: false },
  );
  const exited = new Promise<void>((resolve) => daemon.once("exit", () => resolve()));
  const stop = async () => {
    if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill("SIGTERM");
    // dockerd stops its containers first; bounded, then the namespace shell and whatever is left go.
    const timer = new Promise<"late">((r) => setTimeout(() => r("late"), 30_000).unref());
    if ((await Promise.race([exited, timer])) === "late") {
      const pid = enginePid();
      if (pid) process.kill(pid, "SIGKILL");
      daemon.kill("SIGKILL");
      await exited;
    }
    for (const dir of createdMountPoints.splice(0)) {
      try {
        rmdirSync(dir); // empty on the machine: what was bound there lived in the engine's namespace
      } catch {
        // not empty (someone else's files): left alone
      }
    }
  };
  try {
    await until(() => reachable(env), 120_000, "dockerd to answer");
  } catch (err) {
    await stop();
    const tail = readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n");
    return { reason: `dockerd did not start: ${(err as Error).message}\n${tail}` };
  }
  return {
    env,
    socket: SOCKET,
    docker: dockerWith(env),
    dockerAsync: dockerAsyncWith(env),
    inEngineNamespace: namespaceRunner(),
    gateway: BRIDGE.gateway,
    stop,
  };
}
