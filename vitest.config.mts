import { defineConfig } from "vitest/config";

// One run covers every layer. Files run in parallel worker processes; suites that start servers take free
// ports (port 0) so they never collide. Three workers on our 2-core machines (vitest's default is cores - 1 = 1):
// most suites wait on servers, rule evaluation and the rehearsal's image builds rather than compute, so a
// third worker overlaps the waits.
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/global-setup.ts"],
    pool: "forks",
    maxWorkers: 3,
    // ESM that imports its JSON schema without an import attribute, which Node 20 refuses: vite loads it instead.
    server: { deps: { inline: ["@actions/workflow-parser"] } },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
