/**
 * The shipped code (what a stack deploys: index.ts, components/, monitoring-config/, policy/, service/src/) stays in
 * files a maintainer can read whole: none over MAX_LINES. A file that grows past it is split by concern (a
 * builder, an alert group, a dashboard), as the rest of the house is.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/paths";

const MAX_LINES = 400;
const SHIPPED = ["index.ts", "components", "monitoring-config", "policy", "service/src"];
const SOURCE = /\.(ts|sh)$/;

/** Every source file under `path` (a file or a folder), node_modules excluded. */
function sources(path: string): string[] {
  const full = join(REPO_ROOT, path);
  if (SOURCE.test(path)) return [full];
  return readdirSync(full, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && SOURCE.test(e.name) && !join(e.parentPath, e.name).includes("node_modules"))
    .map((e) => join(e.parentPath, e.name));
}

/** The files over `max` lines, with their length. */
function oversized(files: string[], max: number): string[] {
  return files
    .map((f) => ({ f, lines: readFileSync(f, "utf8").split("\n").length - 1 }))
    .filter(({ lines }) => lines > max)
    .map(({ f, lines }) => `${relative(REPO_ROOT, f)}: ${lines} lines`);
}

describe("file size of the shipped code", () => {
  const files = SHIPPED.flatMap(sources);

  it("finds the shipped sources (the check reads what it should)", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files).toContain(join(REPO_ROOT, "components", "monitoring-host.ts"));
    expect(files).toContain(join(REPO_ROOT, "components", "host-scripts", "app-deploy.sh"));
  });

  it(`keeps every file at ${MAX_LINES} lines or fewer`, () => {
    expect(oversized(files, MAX_LINES)).toEqual([]);
  });

  it("names a file over the limit (the check can fail)", () => {
    const longest = Math.max(...files.map((f) => readFileSync(f, "utf8").split("\n").length - 1));
    expect(oversized(files, longest - 1)).not.toEqual([]);
  });
});
