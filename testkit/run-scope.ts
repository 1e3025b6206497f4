/**
 * One test run's scope: a directory of its own for everything the run writes, and a mark on every process it
 * starts, so that nothing outlives the run unnoticed.
 *
 *   const scope = openRunScope();        // before any suite (tests/global-setup.ts)
 *   ...                                  // every temp dir lands under scope.dir; every child inherits the mark
 *   const left = closeRunScope(scope);   // after the last suite: servers still running, stopped; dir removed
 *
 * The mark is an environment variable: the run's directory in RUN_SCOPE_ENV. The workers inherit it, and so does
 * every process they start (the service, PostgreSQL through runuser and pg_ctl, Prometheus, Alertmanager, the
 * exporters, dockerd and its shims), since every helper spreads `process.env` into its children. So "a server the
 * run started" is any process whose environment carries this run's mark: no helper has to remember to register.
 * TMPDIR points under the scope, so `os.tmpdir()`, `mkdtemp` and PostgreSQL's data directories land there.
 */
import { mkdirSync, mkdtempSync, chmodSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

export const RUN_SCOPE_ENV = "OBSERVED_APP_TEST_RUN";

export interface RunScope {
  /** The run's directory (removed by closeRunScope). */
  dir: string;
  /** TMPDIR inside it. */
  tmp: string;
}

export interface Leftover {
  pid: number;
  /** Its parent's pid. */
  ppid: number;
  command: string;
}

/** Create the scope under the machine's temp directory and point this process's environment at it. */
export function openRunScope(base = process.env.TMPDIR || "/tmp"): RunScope {
  const dir = mkdtempSync(join(base, "observed-app-test-"));
  // PostgreSQL runs as its own user under here: it must be able to traverse; /tmp-like below.
  chmodSync(dir, 0o755);
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  chmodSync(tmp, 0o1777);
  process.env[RUN_SCOPE_ENV] = dir;
  process.env.TMPDIR = tmp;
  return { dir, tmp };
}

/** Every process on the machine (other than this one) whose environment carries the scope's mark. */
export function processesOf(scope: string): Leftover[] {
  const mark = Buffer.from(`${RUN_SCOPE_ENV}=${scope}\0`);
  const found: Leftover[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`);
      if (env.indexOf(mark) === -1) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`).toString("utf8").split("\0").join(" ").trim();
      if (!command) continue; // a zombie: already dead, only not yet reaped
      found.push({ pid: Number(entry), ppid: parentOf(Number(entry)), command });
    } catch {
      // gone meanwhile, or a kernel thread
    }
  }
  return found;
}

/** The parent pid from /proc/PID/stat (its 4th field, after the command in parentheses, which may hold spaces). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** Running: it exists and is not a zombie (a dead process its parent has not reaped yet). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** Wait (blocking, bounded) until none of `pids` is alive. */
function waitGone(pids: number[], ms: number): void {
  const deadline = Date.now() + ms;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < deadline && pids.some(alive)) Atomics.wait(nap, 0, 0, 100);
}

/**
 * End the run: list the processes still carrying its mark, stop them (SIGTERM, then SIGKILL after 10 s), remove
 * the scope's directory, and return what was left so the caller can fail the run with it. `spare` names processes
 * that carry the mark but are the caller's own business (a test runner's workers it is closing itself): they are
 * neither reported nor stopped; what they started is.
 */
export function closeRunScope(scope: RunScope, spare: (p: Leftover) => boolean = () => false): Leftover[] {
  const left = processesOf(scope.dir).filter((p) => !spare(p));
  const pids = left.map((p) => p.pid);
  signal(pids, "SIGTERM");
  waitGone(pids, 10_000);
  signal(pids.filter(alive), "SIGKILL");
  waitGone(pids, 5_000);
  rmSync(scope.dir, { recursive: true, force: true });
  return left;
}
