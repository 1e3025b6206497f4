import { defineConfig } from "vitest/config";

// One run covers every layer. Files run in parallel worker processes; suites that start servers take free
// ports (port 0) so they never collide. Three workers on our 2-core machines (vitest's default is cores - 1 = 1):
// most suites wait on servers, rule evaluation and the rehearsal's image builds rather than compute, so a
// third worker overlaps the waits.
//
// The load test judges memory by the live heap after major GCs and by memory outside the JS heap
// (tests/service/hard-load.test.ts, from `npm run bench:memory`), not by RSS, whose swings with V8's heap sizing
// were read as growth beside the rest of the suite. So it no longer needs the machine alone: it runs beside the
// other suites (a project of its own, for `npm run test:quick` and to run it alone with `--project load`).
const LOAD = "tests/service/hard-load.test.ts";
// The deploy rehearsal (a Docker engine, image builds, SSH hosts) is a project of its own, run beside the suites:
// `npm run test:quick` leaves it out, `npm run rehearse` runs it alone.
const REHEARSAL = "tests/rehearsal/**/*.test.ts";
export default defineConfig({
  test: {
    globalSetup: ["tests/global-setup.ts"],
    pool: "forks",
    maxWorkers: 3,
    // ESM that imports its JSON schema without an import attribute, which Node 20 refuses: vite loads it instead.
    server: { deps: { inline: ["@actions/workflow-parser"] } },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Per-file times at the end of every run; with TEST_RESULTS_JSON set (.ci/flake-hunt), every test's outcome too.
    reporters: [
      "default",
      "./tests/timing-reporter.ts",
      ...(process.env.TEST_RESULTS_JSON
        ? [["json", { outputFile: process.env.TEST_RESULTS_JSON }] as ["json", { outputFile: string }]]
        : []),
    ],
    projects: [
      {
        extends: true,
        test: {
          name: "suites",
          // Integration suites under tests/, and the unit tests that sit beside the test kit's modules.
          include: ["tests/**/*.test.ts", "testkit/**/*.test.ts"],
          exclude: [LOAD, REHEARSAL],
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: "rehearsal", include: [REHEARSAL], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "load", include: [LOAD], sequence: { groupOrder: 0 } } },
    ],
  },
});
