/**
 * Checks of the deploying machine that `pulumi up` would otherwise discover late (after creating resources):
 * - the machine's public address must be inside `adminCidrs`, since every setup step runs over SSH from it;
 * - Docker buildx must be able to build for the hosts' architecture (arm64 on the default t4g hosts needs QEMU
 *   binfmt handlers on an x86_64 machine).
 * Each failure says the fix. In a preview they are warnings (CI previews run elsewhere than deploys); in an
 * update they stop the step that needs them before it starts (the image build, the first SSH step).
 * The probes are injectable: the checks themselves are pure and tested with fixtures.
 */
import { execFile } from "node:child_process";
import type { Arch } from "./config";

export class PreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreflightError";
  }
}

function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  return o.some((x) => x > 255) ? undefined : o.reduce((a, x) => a * 256 + x, 0);
}

/** Whether an IPv4 address lies inside one of the CIDRs. */
export function addressInCidrs(ip: string, cidrs: readonly string[]): boolean {
  const addr = ipv4ToInt(ip);
  if (addr === undefined) return false;
  return cidrs.some((cidr) => {
    const [base, bits] = cidr.split("/");
    const start = ipv4ToInt(base);
    const size = 2 ** (32 - Number(bits));
    return start !== undefined && addr >= start && addr < start + size;
  });
}

/** The platforms of `docker buildx inspect --bootstrap` output ("Platforms: linux/amd64, linux/arm64, …"). */
export function parseBuildxPlatforms(output: string): string[] {
  const line = output.split("\n").find((l) => /^\s*Platforms:/.test(l));
  if (!line) return [];
  return line
    .replace(/^\s*Platforms:/, "")
    .split(",")
    .map((p) => p.trim().replace(/\*$/, ""))
    .filter(Boolean);
}

export const platformOf = (arch: Arch): string => (arch === "arm64" ? "linux/arm64" : "linux/amd64");

/** The deploying machine's public address must be in adminCidrs (undefined: it could not be determined). */
export function checkDeployerAddress(ip: string | undefined, adminCidrs: readonly string[]): string | null {
  if (ip === undefined) return null;
  if (addressInCidrs(ip, adminCidrs)) return null;
  return (
    `this machine's public address ${ip} is not inside adminCidrs (${adminCidrs.join(", ")}), and every host ` +
    `is set up over SSH from it: pulumi config set --path 'adminCidrs[${adminCidrs.length}]' ${ip}/32`
  );
}

/** buildx must list the platform the hosts run (undefined: buildx could not be asked). */
export function checkBuildPlatform(platforms: string[] | undefined, arch: Arch): string | null {
  const wanted = platformOf(arch);
  if (platforms === undefined) {
    return `could not run \`docker buildx inspect --bootstrap\`: install Docker with the buildx plugin to build the ${wanted} image`;
  }
  if (platforms.includes(wanted)) return null;
  return (
    `docker buildx cannot build ${wanted} here (it lists ${platforms.join(", ") || "no platforms"}): ` +
    (arch === "arm64"
      ? "install QEMU binfmt handlers (docker run --privileged --rm tonistiigi/binfmt --install arm64), or choose x86 instance types (t3.*)"
      : "install QEMU binfmt handlers for amd64, or choose Graviton instance types (t4g.*)")
  );
}

/** How the checks learn about this machine. */
export interface PreflightProbes {
  publicIp(): Promise<string | undefined>;
  buildxPlatforms(): Promise<string[] | undefined>;
}

const run = (cmd: string, args: string[], timeoutMs: number) =>
  new Promise<string | undefined>((resolve) =>
    execFile(cmd, args, { timeout: timeoutMs, encoding: "utf8" }, (err, stdout) => resolve(err ? undefined : stdout)),
  );

/** The real probes: AWS's checkip service, and docker buildx. */
export const systemProbes: PreflightProbes = {
  async publicIp() {
    try {
      const r = await fetch("https://checkip.amazonaws.com", { signal: AbortSignal.timeout(5000) });
      return r.ok ? (await r.text()).trim() : undefined;
    } catch {
      return undefined;
    }
  },
  async buildxPlatforms() {
    const out = await run("docker", ["buildx", "inspect", "--bootstrap"], 60_000);
    return out === undefined ? undefined : parseBuildxPlatforms(out);
  },
};

/**
 * Probes as configured by the environment: `OBSERVED_APP_PREFLIGHT=off` skips both (mock-level tests, and
 * machines that build elsewhere); `OBSERVED_APP_DEPLOYER_IP` states the address instead of asking checkip
 * (behind a proxy or NAT that checkip does not see); `OBSERVED_APP_BUILDX_PLATFORMS` (comma-separated) states
 * what buildx can build instead of asking it.
 */
export function probesFromEnv(env: NodeJS.ProcessEnv = process.env): PreflightProbes | undefined {
  if (env.OBSERVED_APP_PREFLIGHT === "off") return undefined;
  const ip = env.OBSERVED_APP_DEPLOYER_IP;
  const platforms = env.OBSERVED_APP_BUILDX_PLATFORMS;
  return {
    publicIp: ip ? async () => ip : systemProbes.publicIp,
    buildxPlatforms: platforms ? async () => platforms.split(",").map((p) => p.trim()) : systemProbes.buildxPlatforms,
  };
}

/**
 * Resolve when the check passes (or only warns, in a preview); reject with the fix otherwise.
 * `warn` receives the messages that do not stop a preview.
 */
export async function enforce(
  problem: Promise<string | null>,
  opts: { dryRun: boolean; warn: (message: string) => void },
): Promise<void> {
  const message = await problem;
  if (!message) return;
  if (opts.dryRun) opts.warn(`preflight: ${message}`);
  else throw new PreflightError(message);
}
