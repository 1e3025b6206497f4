import { defineConfig } from "vitest/config";

// One run covers every layer. Files run in parallel worker processes; suites that start servers take free
// ports (port 0) so they never collide.
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
