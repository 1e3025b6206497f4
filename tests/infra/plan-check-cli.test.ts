/**
 * `npm run plan-check` as a user runs it (mock-level: the program under Pulumi mocks, no AWS): argument errors
 * name what is allowed, the plan table is printed, and the exit code says whether data would be lost.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/paths";

function planCheck(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(REPO_ROOT, "scripts/plan-check.ts"), ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("plan-check CLI (mock-level: Pulumi mocks, no AWS)", () => {
  it("refuses a missing or unknown --stack, naming the allowed stacks", () => {
    for (const args of [[], ["--stack", "qa"]]) {
      const r = planCheck(...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--stack (\(missing\)|qa): allowed: dev, prod/);
      expect(r.err).toMatch(/usage: npm run plan-check/);
    }
  });

  it("refuses an unknown --change or option, naming the allowed values", () => {
    const bad = planCheck("--stack", "dev", "--change", "kernel");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--change kernel: unknown change kernel; allowed: ami, token, bundle, volume, image");
    const option = planCheck("--stack", "dev", "--frobnicate");
    expect(option.code).toBe(2);
    expect(option.err).toMatch(/frobnicate/);
  });

  it.each(["token", "volume"])(
    "--change %s prints the plan table, and exits 1 exactly when it reports data loss",
    (change) => {
      const r = planCheck("--stack", "dev", "--change", change);
      expect(r.err).toBe("");
      expect(r.out).toContain("plan-check (mock-level: Pulumi mocks, no AWS) for stack dev");
      expect(r.out).toMatch(/^RESOURCE +TYPE +ACTION +FLAGS +REASON$/m);
      expect(r.out).toMatch(/\d+ to change, \d+ unchanged\./);
      if (change === "token") {
        expect(r.out).toMatch(/observed-app-dev-app-deploy +command:Command +replace/);
        expect(r.out).not.toContain(TOKEN_FRAGMENT);
      }
      if (change === "volume") expect(r.out).toMatch(/monitoring-data +aws:Volume +update .*size changes/);
      const lost = /^DATA LOSS: /m.test(r.out);
      expect(lost || /^No data-bearing resource is replaced or deleted\.$/m.test(r.out)).toBe(true);
      expect(r.code).toBe(lost ? 1 : 0);
    },
    180_000,
  );
});

/** Part of the rotated token (scripts/lib/plan/changes.ts): the plan must never print it. */
const TOKEN_FRAGMENT = "rotated-api-token";
