/**
 * Run a TypeScript entry point in a fresh Node process with a JSON request and read back its JSON answer: for
 * mock-level runs of the program (the Pulumi runtime is process-global and cannot be reset in-process).
 *
 *   const snapshot = await runJsonInChild<Req, Snapshot>(join(__dirname, "capture-main.ts"), req, "mock run of dev");
 *
 * The entry is called as `node --import tsx <main> <request.json> <answer.json>` and must write the answer file
 * and exit 0; otherwise this throws with `what`, the exit code and the last lines of its stderr.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./paths";

export async function runJsonInChild<Req, Res>(main: string, req: Req, what: string): Promise<Res> {
  const dir = mkdtempSync(join(tmpdir(), "child-run-"));
  try {
    const [reqPath, outPath] = [join(dir, "request.json"), join(dir, "answer.json")];
    writeFileSync(reqPath, JSON.stringify(req));
    const stderr: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", main, reqPath, outPath], {
        cwd: REPO_ROOT,
        stdio: ["ignore", "ignore", "pipe"],
      });
      child.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
      child.on("error", reject);
      child.on("close", resolve);
    });
    if (code !== 0) {
      throw new Error(`${what} failed (exit ${code}):\n` + stderr.join("").split("\n").slice(-25).join("\n"));
    }
    return JSON.parse(readFileSync(outPath, "utf8")) as Res;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The child's side: read the request, compute, write the answer, exit 0 (or print the error and exit 1). */
export function childMain<Req, Res>(compute: (req: Req) => Promise<Res>): void {
  const [reqPath, outPath] = process.argv.slice(2);
  compute(JSON.parse(readFileSync(reqPath, "utf8")) as Req).then(
    (answer) => {
      writeFileSync(outPath, JSON.stringify(answer));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
