/**
 * A real image registry on loopback (Debian's docker-registry: the CNCF distribution registry) standing in for
 * ECR: the rehearsal pushes the service image to it, and the app host pulls it by digest, exactly as the deploy
 * step does against ECR. Only the ECR login password (the AWS CLI) is a stub on the host; the engine allows
 * plain HTTP to a registry on 127.0.0.0/8.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "../../scripts/lib/net";
import { until, type Engine } from "./engine";

export interface Registry {
  /** host:port, the registry part of an image reference. */
  address: string;
  stop(): Promise<void>;
}

export async function startRegistry(dir: string): Promise<Registry | { reason: string }> {
  if (spawnSync("which", ["docker-registry"]).status !== 0)
    return { reason: "no docker-registry (apt-get install docker-registry)" };
  const port = await freePort();
  mkdirSync(join(dir, "storage"), { recursive: true });
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    stringify({
      version: 0.1,
      log: { level: "warn" },
      storage: { filesystem: { rootdirectory: join(dir, "storage") } },
      http: { addr: `127.0.0.1:${port}` },
    }),
  );
  const proc = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "ignore", "pipe"] });
  const address = `127.0.0.1:${port}`;
  await until(
    async () => (await fetch(`http://${address}/v2/`).catch(() => null))?.status === 200,
    30_000,
    "the registry to answer",
  );
  return {
    address,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}

/** Push a local image as `<registry>/<repo>:<tag>`; returns its reference by digest (what docker.Image reports). */
export async function pushImage(
  engine: Engine,
  registry: Registry,
  local: string,
  repo: string,
  tag: string,
): Promise<string> {
  const remote = `${registry.address}/${repo}:${tag}`;
  const tagged = engine.docker(["tag", local, remote]);
  if (tagged.code !== 0) throw new Error(`docker tag: ${tagged.stderr}`);
  const pushed = await engine.dockerAsync(["push", "-q", remote], { timeoutMs: 300_000 });
  if (pushed.code !== 0) throw new Error(`docker push ${remote}: ${pushed.stderr}`);
  const digests = JSON.parse(
    engine.docker(["image", "inspect", "-f", "{{json .RepoDigests}}", remote]).stdout,
  ) as string[];
  const ref = digests.find((d) => d.startsWith(`${registry.address}/${repo}@sha256:`));
  if (!ref) throw new Error(`no digest for ${remote} after the push (${digests.join(", ")})`);
  return ref;
}
