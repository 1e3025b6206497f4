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
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Engine {
  /** Environment for the docker CLI (DOCKER_HOST). */
  env: NodeJS.ProcessEnv;
  /** The engine's socket on this machine (bound into rehearsal hosts), when the engine was started here. */
  socket?: string;
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

/** Where a dockerd started here keeps images between runs (a warm cache locally; CI starts empty). */
export const REHEARSAL_ROOT = "/var/tmp/observed-app-rehearsal";
const DATA_ROOT = join(REHEARSAL_ROOT, "docker");
const SOCKET = join(REHEARSAL_ROOT, "docker.sock");
const PIDFILE = join(REHEARSAL_ROOT, "dockerd.pid");
/** The rehearsal hosts' file system: what the engine sees at the paths of HOST_PATHS. */
export const HOSTFS = join(REHEARSAL_ROOT, "hostfs");
/** Host paths the host scripts hand to `docker run -v` (or mount under), bound from HOSTFS in the engine's namespace. */
export const HOST_PATHS = ["/srv", "/opt", "/tmp/observed-app"] as const;
/** Bumped when the engine's namespace layout changes: an engine started with another layout is restarted. */
const LAYOUT = "hostfs-v4";
const LAYOUT_FILE = join(REHEARSAL_ROOT, "engine-layout");

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
    mkdirSync(p, { recursive: true });
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

/** A usable engine, or the reason there is none (the rehearsal then reports itself as not run). */
export async function startEngine(): Promise<Engine | { reason: string }> {
  if (process.env.DOCKER_HOST && reachable({}))
    return { env: {}, docker: dockerWith({}), dockerAsync: dockerAsyncWith({}), stop: async () => {} };
  const env = { DOCKER_HOST: `unix://${SOCKET}` };
  const ours = {
    env,
    socket: SOCKET,
    docker: dockerWith(env),
    dockerAsync: dockerAsyncWith(env),
    inEngineNamespace: namespaceRunner(),
  };
  if (existsSync(SOCKET) && reachable(env)) {
    const layout = existsSync(LAYOUT_FILE) ? readFileSync(LAYOUT_FILE, "utf8").trim() : "";
    if (layout === LAYOUT) return { ...ours, stop: async () => {} };
    // An engine of an earlier layout (left by an interrupted run): stop it and start one of this layout.
    const pid = enginePid();
    if (pid) process.kill(pid, "SIGTERM");
    await until(() => !reachable(env), 60_000, "the old dockerd to stop");
  }
  if (spawnSync("which", ["dockerd"]).status !== 0) return { reason: "no dockerd (apt-get install docker.io)" };
  if (process.getuid?.() !== 0) return { reason: "dockerd needs root" };
  if (!existsSync("/lib/systemd/systemd-journald")) return { reason: "no systemd-journald (apt-get install systemd)" };
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
    ],
    { stdio: ["ignore", log, log], detached: false },
  );
  try {
    await until(() => reachable(env), 120_000, "dockerd to answer");
  } catch (err) {
    daemon.kill("SIGTERM");
    const tail = readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n");
    return { reason: `dockerd did not start: ${(err as Error).message}\n${tail}` };
  }
  writeFileSync(LAYOUT_FILE, LAYOUT);
  return {
    ...ours,
    stop: () =>
      new Promise<void>((resolve) => {
        daemon.once("exit", () => resolve());
        daemon.kill("SIGTERM");
        setTimeout(resolve, 20_000).unref();
      }),
  };
}
