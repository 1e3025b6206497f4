/**
 * The deploying machine's checks (components/preflight.ts): the pure checks against fixtures, and — mock-level,
 * under Pulumi mocks — that an `up` from an address outside adminCidrs, or on a machine whose buildx cannot build
 * the hosts' platform, stops with the fix before the step that needs it, while a preview only warns.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  addressInCidrs,
  checkBuildPlatform,
  checkDeployerAddress,
  enforce,
  parseBuildxPlatforms,
  probesFromEnv,
} from "../../components/preflight";
import { REPO_ROOT } from "../../scripts/lib/paths";

const BUILDX = `Name:          default
Driver:        docker
Last Activity: 2026-11-24 14:00:00 +0000 UTC

Nodes:
Name:             default
Endpoint:         default
Status:           running
BuildKit version: v0.16.0
Platforms:        linux/amd64, linux/amd64/v2, linux/386
`;

describe("preflight checks (pure)", () => {
  it("finds an address inside or outside the CIDRs", () => {
    expect(addressInCidrs("203.0.113.77", ["203.0.113.0/24"])).toBe(true);
    expect(addressInCidrs("203.0.114.1", ["203.0.113.0/24"])).toBe(false);
    expect(addressInCidrs("198.51.100.9", ["10.0.0.0/8", "198.51.100.9/32"])).toBe(true);
    expect(addressInCidrs("not-an-ip", ["0.0.0.0/0"])).toBe(false);
  });

  it("an address outside adminCidrs fails with the command that fixes it", () => {
    expect(checkDeployerAddress("203.0.113.77", ["203.0.113.0/24"])).toBeNull();
    expect(checkDeployerAddress(undefined, ["203.0.113.0/24"])).toBeNull();
    expect(checkDeployerAddress("198.18.0.9", ["203.0.113.0/24"])).toBe(
      "this machine's public address 198.18.0.9 is not inside adminCidrs (203.0.113.0/24), and every host is set up " +
        "over SSH from it: pulumi config set --path 'adminCidrs[1]' 198.18.0.9/32",
    );
  });

  it("reads buildx's platforms, and an arm64 build on an amd64-only builder fails with the QEMU fix", () => {
    const platforms = parseBuildxPlatforms(BUILDX);
    expect(platforms).toEqual(["linux/amd64", "linux/amd64/v2", "linux/386"]);
    expect(checkBuildPlatform(platforms, "x86_64")).toBeNull();
    expect(checkBuildPlatform(platforms, "arm64")).toMatch(
      /cannot build linux\/arm64 here .*tonistiigi\/binfmt --install arm64.*t3\.\*/,
    );
    expect(checkBuildPlatform([...platforms, "linux/arm64"], "arm64")).toBeNull();
    expect(checkBuildPlatform(undefined, "arm64")).toMatch(/install Docker with the buildx plugin/);
  });

  it("a problem stops an update and only warns in a preview", async () => {
    const warnings: string[] = [];
    await expect(enforce(Promise.resolve("bad"), { dryRun: false, warn: (m) => warnings.push(m) })).rejects.toThrow(
      "bad",
    );
    await enforce(Promise.resolve("bad"), { dryRun: true, warn: (m) => warnings.push(m) });
    await enforce(Promise.resolve(null), { dryRun: false, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual(["preflight: bad"]);
  });

  it("probes from the environment: off, or stated address and platforms", async () => {
    expect(probesFromEnv({ OBSERVED_APP_PREFLIGHT: "off" })).toBeUndefined();
    const p = probesFromEnv({ OBSERVED_APP_DEPLOYER_IP: "192.0.2.1", OBSERVED_APP_BUILDX_PLATFORMS: "linux/arm64" })!;
    expect(await p.publicIp()).toBe("192.0.2.1");
    expect(await p.buildxPlatforms()).toEqual(["linux/arm64"]);
  });
});

/** Load the program as Pulumi's Node runtime does, with mocks preloaded and the given preflight probes. */
function loadProgram(env: Record<string, string>) {
  return spawnSync(process.execPath, ["-r", "ts-node/register", "-r", "./tests/infra/mocks-preload.ts", "index.ts"], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      MOCK_STACK: "dev",
      TS_NODE_PROJECT: "tsconfig.json",
      TS_NODE_TRANSPILE_ONLY: "1",
      OBSERVED_APP_PREFLIGHT: "on",
      ...env,
    },
    encoding: "utf8",
    timeout: 90_000,
  });
}

describe("preflight wired into the program (mock-level: Pulumi mocks, program loaded through ts-node)", () => {
  it("an up from an address inside adminCidrs on a builder that has linux/arm64 goes through", () => {
    const r = loadProgram({
      OBSERVED_APP_DEPLOYER_IP: "203.0.113.77",
      OBSERVED_APP_BUILDX_PLATFORMS: "linux/amd64,linux/arm64",
    });
    expect(r.status, r.stderr).toBe(0);
  }, 90_000);

  it("an up on an amd64-only builder stops the arm64 image build with the QEMU fix", () => {
    const r = loadProgram({ OBSERVED_APP_DEPLOYER_IP: "203.0.113.77", OBSERVED_APP_BUILDX_PLATFORMS: "linux/amd64" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/PreflightError: .*docker buildx cannot build linux\/arm64 here .*tonistiigi\/binfmt/);
  }, 90_000);

  it("an up from outside adminCidrs stops before the first SSH step, naming the address and the fix", () => {
    const r = loadProgram({ OBSERVED_APP_DEPLOYER_IP: "198.18.0.9", OBSERVED_APP_BUILDX_PLATFORMS: "linux/arm64" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      /PreflightError: .*198\.18\.0\.9 is not inside adminCidrs \(203\.0\.113\.0\/24\).*adminCidrs\[1\]' 198\.18\.0\.9\/32/,
    );
  }, 90_000);
});
