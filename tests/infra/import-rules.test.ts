/**
 * The repository's import rules (.dependency-cruiser.cjs), enforced by `npm run lint:deps` inside `npm test`:
 * no import cycles, tools never import tests, the service stays self-contained, monitoring-config stays free of
 * Pulumi. Here the same rules run on a fixture that breaks two of them, so the check is known to be able to fail,
 * and on the repository itself.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/paths";

const DEPCRUISE = join(REPO_ROOT, "node_modules", ".bin", "depcruise");
const CONFIG = join(REPO_ROOT, ".dependency-cruiser.cjs");

function cruise(cwd: string, paths: string[]) {
  const r = spawnSync(DEPCRUISE, ["--config", CONFIG, ...paths], { cwd, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe("import rules (dependency-cruiser)", () => {
  it("fail on a fixture with an import cycle and a tool importing a test helper", () => {
    const r = cruise(join(REPO_ROOT, "tests", "fixtures", "import-rules"), ["lib", "bench", "tests"]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/no-circular: lib\/a\.ts/);
    expect(r.out).toMatch(/tools-not-on-tests: bench\/tool\.ts → tests\/helper\.ts/);
  });

  it("hold for the repository", () => {
    const r = cruise(REPO_ROOT, [
      "index.ts",
      "components",
      "monitoring-config",
      "scripts",
      "testkit",
      "bench",
      "policy",
      "tests",
      "service/src",
    ]);
    expect(r.out).toMatch(/no dependency violations found/);
    expect(r.code).toBe(0);
  });
});
