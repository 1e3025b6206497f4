import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { ROOT } from "../../scripts/lib/program-mocks";

/**
 * Mock-level: the program loads as Pulumi's Node runtime loads it — CommonJS compiled by ts-node 10 with the
 * repository's tsconfig (TypeScript 5, type-checked) — with mocks preloaded instead of the engine.
 */
describe("program loads through ts-node (mock-level)", () => {
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: index.ts compiles and declares the baseline`, () => {
      const r = spawnSync(
        process.execPath,
        ["-r", "ts-node/register", "-r", "./tests/infra/mocks-preload.ts", "index.ts"],
        {
          cwd: ROOT,
          env: { ...process.env, MOCK_STACK: stack, TS_NODE_PROJECT: "tsconfig.json" },
          encoding: "utf8",
          timeout: 120_000,
        },
      );
      expect(r.status, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { resources: number; types: string[] };
      expect(summary.resources).toBeGreaterThan(60);
      expect(summary.types).toEqual(
        expect.arrayContaining([
          "aws:cloudtrail/trail:Trail",
          "aws:guardduty/detector:Detector",
          "observed-app:index:SecurityBaseline",
        ]),
      );
    }, 120_000);
  }
});
