import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node" with { "resolution-mode": "import" };

/**
 * After the run, one line per test file: its wall time (import + tests + hooks), slowest first, and the run's
 * total, so the next slowdown shows in every `npm test` and CI log. Files run three at a time (vitest.config.mts):
 * the sum is CPU-ish, the run's wall time is what a developer waits.
 */
export default class TimingReporter implements Reporter {
  private started = Date.now();

  onTestRunStart(): void {
    this.started = Date.now();
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows = modules
      .map((m) => {
        const d = m.diagnostic();
        return {
          file: relative(process.cwd(), m.moduleId),
          seconds: (d.collectDuration + d.duration) / 1000,
          state: m.state(),
          tests: [...m.children.allTests()].length,
        };
      })
      .sort((a, b) => b.seconds - a.seconds);
    const sum = rows.reduce((a, r) => a + r.seconds, 0);
    const width = Math.max(...rows.map((r) => r.file.length), 4);
    console.log(
      [
        "",
        "Per-file times (import + tests + hooks), slowest first:",
        ...rows.map(
          (r) =>
            `  ${r.seconds.toFixed(1).padStart(7)} s  ${r.file.padEnd(width)}  ${String(r.tests).padStart(3)} tests` +
            (r.state === "passed" ? "" : `  ${r.state}`),
        ),
        `  ${sum.toFixed(1).padStart(7)} s  sum of ${rows.length} files; wall ${((Date.now() - this.started) / 1000).toFixed(1)} s`,
        "",
      ].join("\n"),
    );
  }
}
