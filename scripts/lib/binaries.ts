/**
 * Finds the Prometheus tool binaries (Debian 12 package names and paths). When some are missing and we run
 * as root on Debian, installs the packages with apt-get; otherwise throws a message saying what to install.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";

export const BINARIES = {
  prometheus: { names: ["prometheus"], pkg: "prometheus" },
  promtool: { names: ["promtool"], pkg: "prometheus" },
  alertmanager: { names: ["prometheus-alertmanager", "alertmanager"], pkg: "prometheus-alertmanager" },
  amtool: { names: ["amtool"], pkg: "prometheus-alertmanager" },
  nodeExporter: { names: ["prometheus-node-exporter", "node_exporter"], pkg: "prometheus-node-exporter" },
  blackbox: { names: ["prometheus-blackbox-exporter", "blackbox_exporter"], pkg: "prometheus-blackbox-exporter" },
} as const;
export type BinaryName = keyof typeof BINARIES;
export type BinaryPaths = Record<BinaryName, string>;

/** First executable with one of `names` on PATH (or /usr/bin, /usr/sbin), else null. */
export function which(names: readonly string[]): string | null {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/sbin", "/usr/local/bin"];
  for (const name of names) {
    for (const dir of dirs) {
      const p = join(dir, name);
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // keep looking
      }
    }
  }
  return null;
}

function findAll(): Partial<BinaryPaths> {
  const found: Partial<BinaryPaths> = {};
  for (const [key, spec] of Object.entries(BINARIES) as [BinaryName, (typeof BINARIES)[BinaryName]][]) {
    const p = which(spec.names);
    if (p) found[key] = p;
  }
  return found;
}

const isDebian = () => existsSync("/etc/debian_version") || /debian/i.test(safeRead("/etc/os-release"));
const safeRead = (p: string) => {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
};

/**
 * On a systemd host the Debian packages start their services on the default ports (9090, 9093, 9100, 9115),
 * where `npm run local` wants to run its own. We installed them for their binaries only: stop and disable
 * the services of the packages we just installed (each package's unit has the package's name).
 */
function stopPackagedServices(pkgs: string[], log: (msg: string) => void): void {
  if (!existsSync("/run/systemd/system")) return;
  log(`stopping and disabling the services the packages started (${pkgs.join(", ")}): only the binaries are used`);
  try {
    execFileSync("systemctl", ["disable", "--now", ...pkgs.map((p) => `${p}.service`)], { stdio: "inherit" });
  } catch (err) {
    log(`could not stop them (${(err as Error).message}); the local stack will name any port they hold`);
  }
}

/** Resolve every binary, installing the Debian packages first when possible. */
export function ensureBinaries(log: (msg: string) => void = (m) => console.error(m)): BinaryPaths {
  let found = findAll();
  let missing = (Object.keys(BINARIES) as BinaryName[]).filter((k) => !found[k]);
  if (missing.length === 0) return found as BinaryPaths;
  const pkgs = [...new Set(missing.map((k) => BINARIES[k].pkg))];
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (root && isDebian()) {
    log(`installing ${pkgs.join(", ")} with apt-get (missing: ${missing.join(", ")}) …`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...pkgs], { stdio: "inherit", env });
    stopPackagedServices(pkgs, log);
    found = findAll();
    missing = (Object.keys(BINARIES) as BinaryName[]).filter((k) => !found[k]);
    if (missing.length === 0) return found as BinaryPaths;
  }
  throw new Error(
    `missing Prometheus tools: ${missing.join(", ")}. Install the Debian packages: ` +
      `sudo apt-get install ${pkgs.join(" ")} (they provide ${missing.map((k) => BINARIES[k].names[0]).join(", ")}).`,
  );
}
