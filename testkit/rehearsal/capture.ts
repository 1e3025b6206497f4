/**
 * The remote steps of a stack as the program registers them (mock-level capture: the program runs under Pulumi
 * mocks in a child process), with the few outputs a real `pulumi up` would have answered made real here:
 *   - every tls.PrivateKey is a real ED25519 key (ssh-keygen), kept in `keysDir` by resource name, the way
 *     Pulumi's state keeps them from one update to the next;
 *   - docker.Image's repoDigest is the image the rehearsal pushed to its local registry;
 *   - each EC2 instance has the id the rehearsal gives it (a replaced host gets a new one).
 * Each step keeps what @pulumi/command 1.2.1 runs (create/update/delete, stdin, environment), what re-runs it
 * (triggers), what orders it (dependsOn and the commands its inputs come from), and its connection; each host
 * keeps what cloud-init and the key pair would install (host key from the user data, authorized key).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { runJsonInChild } from "../../scripts/lib/child-run";
import { runStack, type Recorded } from "../../scripts/lib/program-mocks";
import type { Environment } from "../../components/config";

export interface CaptureRequest {
  stack: Environment;
  apiToken: string;
  /** The stack's Grafana admin password (a stack secret), when a round rotates it; default: generated. */
  grafanaAdminPassword?: string;
  /** What docker.Image reports as its repoDigest (a real reference the hosts can pull). */
  imageRef: string;
  /** Instance resource name → the id this round gives it (default `<name>-id`). */
  instanceIds: Record<string, string>;
  keysDir: string;
}

export interface Connection {
  host: string;
  port?: number;
  user: string;
  privateKey: string;
  hostKey?: string;
}

export interface RemoteStep {
  /** The command resource's name, e.g. `app-deploy`. */
  name: string;
  create: string;
  update?: string;
  delete?: string;
  stdin?: string;
  environment?: Record<string, string>;
  triggers: unknown[];
  /** Names of the remote steps that must have run before this one. */
  after: string[];
  connection: Connection;
}

export interface HostFacts {
  /** The instance resource's name, e.g. `app-host`. */
  instance: string;
  id: string;
  /** The address the steps connect to (the Elastic IP associated with the instance). */
  address: string;
  /** From the instance's cloud-config user data (what cloud-init installs as the host's SSH key). */
  hostKeyPrivate: string;
  hostKeyPublic: string;
  /** The public key of the key pair the instance is launched with. */
  authorizedKey: string;
}

export interface Capture {
  steps: RemoteStep[];
  hosts: HostFacts[];
}

const COMMAND = "command:remote:Command";

/** A real ED25519 key per tls.PrivateKey name, generated once and kept (as Pulumi's state would keep it). */
function sshKey(keysDir: string, name: string): { privateKeyOpenssh: string; publicKeyOpenssh: string } {
  mkdirSync(keysDir, { recursive: true });
  const path = join(keysDir, name);
  if (!existsSync(path)) execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", path]);
  // The tls provider's public key is `<type> <base64>\n`, without a comment.
  const [type, body] = readFileSync(`${path}.pub`, "utf8").trim().split(/\s+/);
  return { privateKeyOpenssh: readFileSync(path, "utf8"), publicKeyOpenssh: `${type} ${body}\n` };
}

function step(r: Recorded, commands: Set<string>): RemoteStep {
  const i = r.inputs as Record<string, unknown>;
  const fromInputs = Object.values(r.propertyDeps)
    .flat()
    .filter((k) => k.startsWith(`${COMMAND}::`))
    .map((k) => k.slice(COMMAND.length + 2));
  const after = [...new Set([...r.opts.dependsOn.filter((n) => commands.has(n)), ...fromInputs])].sort();
  return {
    name: r.name,
    create: i.create as string,
    ...(i.update !== undefined ? { update: i.update as string } : {}),
    ...(i.delete !== undefined ? { delete: i.delete as string } : {}),
    ...(i.stdin !== undefined ? { stdin: i.stdin as string } : {}),
    ...(i.environment !== undefined ? { environment: i.environment as Record<string, string> } : {}),
    triggers: (i.triggers as unknown[]) ?? [],
    after,
    connection: i.connection as Connection,
  };
}

/** Run the program under mocks (in this process: call it from a child) and reduce it to its remote steps. */
export async function captureSteps(req: CaptureRequest): Promise<Capture> {
  const addresses = new Map<string, string>();
  const secrets = {
    apiToken: req.apiToken,
    ...(req.grafanaAdminPassword ? { grafanaAdminPassword: req.grafanaAdminPassword } : {}),
  };
  const run = await runStack(req.stack, secrets, {}, req.stack, {
    onResource(r) {
      // One address and allocation per Elastic IP (the default mock's can repeat when registrations overlap).
      if (r.type === "aws:ec2/eip:Eip") {
        if (!addresses.has(r.name)) addresses.set(r.name, `198.51.100.${addresses.size + 10}`);
        return { state: { ...r.state, publicIp: addresses.get(r.name), allocationId: `eipalloc-${r.name}` } };
      }
      if (r.type === "tls:index/privateKey:PrivateKey")
        return { state: { ...r.state, ...sshKey(req.keysDir, r.name) } };
      if (r.type === "docker:index/image:Image") return { state: { ...r.state, repoDigest: req.imageRef } };
      if (r.type === "aws:ec2/instance:Instance" && req.instanceIds[r.name]) return { id: req.instanceIds[r.name] };
      return undefined;
    },
  });
  const commands = new Set(run.byType(COMMAND).map((r) => r.name));
  const steps = run.byType(COMMAND).map((r) => step(r, commands));

  const keys = run.byType("tls:index/privateKey:PrivateKey");
  const keyPairs = new Set(run.byType("aws:ec2/keyPair:KeyPair").map((k) => String(k.inputs.publicKey)));
  const hosts: HostFacts[] = [];
  for (const address of new Set(steps.map((s) => s.connection.host))) {
    const eip = run.byType("aws:ec2/eip:Eip").find((e) => e.state.publicIp === address);
    const assoc = run
      .byType("aws:ec2/eipAssociation:EipAssociation")
      .find((a) => eip && a.inputs.allocationId === eip.state.allocationId);
    const instance = run.byType("aws:ec2/instance:Instance").find((x) => assoc && x.id === assoc.inputs.instanceId);
    if (!instance) throw new Error(`no instance behind the address ${address} the remote steps connect to`);
    const cloudConfig = parse(String(instance.inputs.userData)) as {
      ssh_keys?: { ed25519_private?: string; ed25519_public?: string };
    };
    const { ed25519_private: hostKeyPrivate, ed25519_public: hostKeyPublic } = cloudConfig.ssh_keys ?? {};
    if (!hostKeyPrivate || !hostKeyPublic) throw new Error(`${instance.name}: user data installs no ED25519 host key`);
    const privateKey = steps.find((s) => s.connection.host === address)!.connection.privateKey;
    const login = keys.find((k) => k.state.privateKeyOpenssh === privateKey);
    const authorizedKey = String(login?.state.publicKeyOpenssh ?? "");
    if (!keyPairs.has(authorizedKey)) throw new Error(`${instance.name}: its SSH key is not the key pair's`);
    hosts.push({ instance: instance.name, id: instance.id, address, hostKeyPrivate, hostKeyPublic, authorizedKey });
  }
  return { steps, hosts };
}

const MAIN = join(__dirname, "capture-main.ts");

/** captureSteps in a fresh process (one program run per process). */
export function captureInChild(req: CaptureRequest): Promise<Capture> {
  return runJsonInChild<CaptureRequest, Capture>(MAIN, req, `mock run of ${req.stack} for the rehearsal`);
}
