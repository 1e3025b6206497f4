import { ensureBinaries } from "../scripts/lib/binaries";
import { closeRunScope, openRunScope, RUN_SCOPE_ENV, type Leftover } from "../testkit/run-scope";

/**
 * Before any suite: the real Prometheus tools must be there (installed on Debian as root, as `npm run local`
 * does), and the run gets its own scope (testkit/run-scope.ts): TMPDIR under one directory, and a mark in
 * the environment of every process the suites start.
 *
 * After the last suite: any process still carrying the mark is a server some suite did not stop. It is listed,
 * stopped, and the run fails (vitest ignores an error thrown here, so the exit code is set); the scope's
 * directory, with every temp file of the run, is removed either way.
 */
export default function setup(): () => void {
  ensureBinaries((m) => console.log(m));
  // Each vitest project runs the global setup (vitest.config.mts has two): the first one opens the scope and
  // closes it after every project's last suite; the others run inside it.
  if (process.env[RUN_SCOPE_ENV]) return () => {};
  const scope = openRunScope();
  // vitest's own workers (children of this process, running its worker entry) may still be exiting when this runs:
  // vitest closes them itself. Whatever they started is still listed: it carries the mark under another parent.
  // Found by `npm run test:quick`: one worker of the last project, alive for a moment after its last file.
  const ownWorker = (p: Leftover) => p.ppid === process.pid && /\/vitest\/dist\/workers\//.test(p.command);
  return () => {
    const left = closeRunScope(scope, ownWorker);
    if (left.length === 0) return;
    console.error(
      `\n${left.length} process(es) started by the suites were still running after the last suite ` +
        `(stopped now; the suite that started each must stop it on every path):\n` +
        left.map((p) => `  pid ${p.pid}: ${p.command.slice(0, 200)}`).join("\n"),
    );
    process.exitCode = 1;
  };
}
