/**
 * A rehearsal host: a container of the host image (images.ts) standing in for one EC2 instance, reached over
 * real SSH on a loopback port, with the host key its user data carries and the key pair's authorized key. Its
 * docker CLI drives the rehearsal's engine, so the containers its scripts start are siblings; it shares the
 * machine's network (as `--network host` containers on the instance share the instance's). Its data volume is
 * a loop device over a sparse file, attached as /dev/sdf (the program's DATA_DEVICE): formatted and mounted by
 * the bootstrap script, and re-attached to the next host when this one is replaced.
 *
 * Runs as root with CAP_SYS_ADMIN (mount), not --privileged (our machines refuse the full capability set).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "../../scripts/lib/net";
import type { HostFacts } from "./capture";
import { HOST_PATHS, runCollected, until, type Engine } from "./engine";
import { HOST_IMAGE } from "./images";

const DATA_DEVICE = "/dev/sdf";
const VOLUME_BYTES = 1024 ** 3; // sparse; xfs needs at least 300 MB

export interface RehearsalHost {
  /** The instance it stands in for, and its facts (id, address, keys). */
  facts: HostFacts;
  container: string;
  sshPort: number;
  /** The loop device standing in for the EBS data volume. */
  device: string;
  /** Containers the host's steps started (found by comparing the engine's containers before and after). */
  started: Set<string>;
}

/**
 * A new, blank data volume: a loop device over a fresh sparse `<dir>/<name>.img` (one an earlier, interrupted
 * run left behind is detached and replaced first).
 */
export function dataVolume(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.img`);
  if (existsSync(file)) {
    const attached = execFileSync("losetup", ["-j", file], { encoding: "utf8" });
    for (const line of attached.split("\n").filter(Boolean)) execFileSync("losetup", ["-d", line.split(":")[0]]);
    rmSync(file);
  }
  execFileSync("truncate", ["-s", String(VOLUME_BYTES), file]);
  return execFileSync("losetup", ["--find", "--show", file], { encoding: "utf8" }).trim();
}

export function detachVolume(device: string): void {
  execFileSync("losetup", ["-d", device]);
}

/** Resolves when something on 127.0.0.1:port sends an SSH banner. */
function sshBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.setTimeout(2000, () => (s.destroy(), resolve(false)));
    s.once("data", (d) => (s.destroy(), resolve(d.toString().startsWith("SSH-"))));
    s.once("error", () => resolve(false));
  });
}

/** Start a host for `facts`, with `device` as its data volume; resolves once sshd answers. */
export async function startHost(
  engine: Engine,
  facts: HostFacts,
  device: string,
  runDir: string,
): Promise<RehearsalHost> {
  if (!engine.socket) throw new Error("rehearsal hosts need the engine this suite starts (its socket and namespace)");
  const keys = join(runDir, facts.id);
  mkdirSync(keys, { recursive: true });
  writeFileSync(
    join(keys, "ssh_host_ed25519_key"),
    facts.hostKeyPrivate.endsWith("\n") ? facts.hostKeyPrivate : `${facts.hostKeyPrivate}\n`,
  );
  writeFileSync(join(keys, "ssh_host_ed25519_key.pub"), `${facts.hostKeyPublic.trim()}\n`);
  writeFileSync(join(keys, "authorized_keys"), `${facts.authorizedKey.trim()}\n`);
  chmodSync(join(keys, "ssh_host_ed25519_key"), 0o600);
  const sshPort = await freePort();
  const container = `rehearsal-${facts.instance}`;
  engine.docker(["rm", "-f", container]);
  const r = engine.docker([
    "run",
    "-d",
    "--name",
    container,
    "--hostname",
    facts.id,
    "--add-host",
    `${facts.id}:127.0.0.1`,
    "--network",
    "host",
    "--cap-add",
    "SYS_ADMIN",
    "--security-opt",
    "apparmor=unconfined",
    "--security-opt",
    "seccomp=unconfined",
    "--device",
    `${device}:${DATA_DEVICE}`,
    "-v",
    `${engine.socket}:/var/run/docker.sock`,
    ...HOST_PATHS.flatMap((p) => ["-v", p === "/srv" ? `${p}:${p}:rshared` : `${p}:${p}`]),
    "-v",
    `${keys}:/run/rehearsal:ro`,
    "-e",
    `SSH_PORT=${sshPort}`,
    HOST_IMAGE,
  ]);
  if (r.code !== 0) throw new Error(`starting ${container}: ${r.stderr}`);
  try {
    await until(() => sshBanner(sshPort), 30_000, `sshd of ${container}`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${engine.docker(["logs", "--tail", "20", container]).stderr}`);
  }
  return { facts, container, sshPort, device, started: new Set() };
}

/**
 * The instance is terminated: the containers it started are stopped (SIGTERM, as a shutdown does) and removed,
 * its data volume is detached (unmounted, which the shared /srv carries to the engine), and the host goes too,
 * with what it kept on its root volume
 * under the shared host paths (`rootPaths`, e.g. /opt/taskflow-edge). The loop device stays for the next host.
 */
export function retireHost(engine: Engine, host: RehearsalHost, rootPaths: string[] = []): void {
  // A terminated instance shuts down: its containers get SIGTERM (Alertmanager writes its state then).
  if (host.started.size) engine.docker(["stop", "-t", "10", ...host.started], { timeoutMs: 60_000 });
  for (const name of host.started) engine.docker(["rm", "-f", name]);
  const mounts = engine.docker(["exec", host.container, "findmnt", "-rn", "-S", DATA_DEVICE, "-o", "TARGET"]);
  for (const target of mounts.stdout.split("\n").filter(Boolean)) {
    const u = engine.docker(["exec", host.container, "umount", target]);
    if (u.code !== 0) throw new Error(`unmounting ${target} on ${host.container}: ${u.stderr}`);
  }
  for (const p of rootPaths) engine.docker(["exec", host.container, "rm", "-rf", p]);
  engine.docker(["rm", "-f", host.container]);
}

export interface SshResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/**
 * Run `command` over SSH as @pulumi/command 1.2.1 does: one exec request with the command string as given,
 * stdin written and closed when set, the host key checked against the pinned one (connection.hostKey).
 * OpenSSH's client stands in for the provider's Go SSH client.
 */
export async function sshRun(
  host: RehearsalHost,
  login: { user: string; privateKey: string; hostKey?: string },
  command: string,
  stdin: string | undefined,
  workDir: string,
): Promise<SshResult> {
  mkdirSync(workDir, { recursive: true });
  const identity = join(workDir, `${host.container}.key`);
  const knownHosts = join(workDir, `${host.container}.known_hosts`);
  writeFileSync(identity, login.privateKey.endsWith("\n") ? login.privateKey : `${login.privateKey}\n`, {
    mode: 0o600,
  });
  // Without a pinned key the provider accepts any host key; the rehearsal insists on one.
  if (!login.hostKey) throw new Error(`${host.facts.instance}: the connection pins no host key`);
  writeFileSync(knownHosts, `[127.0.0.1]:${host.sshPort} ${login.hostKey.trim()}\n`);
  const args = [
    "-p",
    String(host.sshPort),
    "-i",
    identity,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${knownHosts}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    `${login.user}@127.0.0.1`,
    "--",
    command,
  ];
  const t0 = Date.now();
  // A step may run for minutes (image pulls, health gates): the timeout only guards against a hung session.
  const r = await runCollected("ssh", args, { input: stdin, timeoutMs: 1_800_000 });
  return { ...r, seconds: (Date.now() - t0) / 1000 };
}
