/**
 * Regenerates testkit/api-models/constraints.json from a copy of aws/api-models-aws: reads the Smithy model
 * of every service in the mapping (testkit/api-models/mapping.ts) at a commit and keeps, for each mapped
 * member only, its shape and its pattern, length, range and enum values, with the commit they were read at.
 *
 *   git clone https://github.com/aws/api-models-aws /tmp/api-models-aws
 *   npx tsx testkit/api-models/extract.ts /tmp/api-models-aws [commit]
 *
 * The directory may be a working copy or a bare git directory: files are read with `git show <commit>:<path>`.
 * A mapped member the model lacks stops the run with its path (a typo in the mapping, or a model that changed).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as prettier from "prettier";
import { API_MODEL_MAPPINGS, type MemberRef } from "./mapping";
import { memberKey, mappedMembers } from "./members";
import { resolveMember, type MemberConstraint, type SmithyModel } from "./smithy";

export const CONSTRAINTS_FILE = join(__dirname, "constraints.json");

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

export function extract(dir: string, rev = "HEAD") {
  const commit = git(dir, "rev-parse", `${rev}^{commit}`).trim();
  const committed = git(dir, "show", "-s", "--format=%cI", commit).trim();
  const services = [...new Set(Object.values(API_MODEL_MAPPINGS).map((m) => m.service))].sort();
  const models: Record<string, { path: string; blob: string }> = {};
  const members: Record<string, MemberConstraint> = {};
  for (const service of services) {
    const path = git(dir, "ls-tree", "-r", "--name-only", commit, `${service}/service/`)
      .split("\n")
      .find((p) => p.endsWith(".json"));
    if (!path) throw new Error(`no model for ${service} at ${commit}`);
    const blob = git(dir, "rev-parse", `${commit}:${path}`).trim();
    models[service] = { path, blob };
    const model = JSON.parse(git(dir, "show", `${commit}:${path}`)) as SmithyModel;
    const refs = new Set<string>();
    for (const m of Object.values(API_MODEL_MAPPINGS).filter((x) => x.service === service)) {
      for (const ref of mappedMembers(m.members as Record<string, string | MemberRef>)) refs.add(ref);
    }
    for (const ref of [...refs].sort()) members[memberKey(service, ref)] = resolveMember(model, ref);
  }
  return {
    $comment:
      "Constraints AWS validates requests against, extracted from AWS's API models (Smithy JSON) for the members the program's inputs are sent as (testkit/api-models/mapping.ts). Regenerate with `npx tsx testkit/api-models/extract.ts <checkout of aws/api-models-aws> [commit]`; do not edit by hand.",
    repository: "https://github.com/aws/api-models-aws",
    commit,
    committed,
    models,
    members,
  };
}

async function main(): Promise<void> {
  const [dir, rev] = process.argv.slice(2);
  if (!dir) {
    console.error("usage: tsx testkit/api-models/extract.ts <aws/api-models-aws checkout or git dir> [commit]");
    process.exit(2);
  }
  const out = extract(dir, rev);
  // Written as `npm run lint` (prettier --check) wants it.
  const options = { ...(await prettier.resolveConfig(CONSTRAINTS_FILE)), filepath: CONSTRAINTS_FILE };
  writeFileSync(CONSTRAINTS_FILE, await prettier.format(JSON.stringify(out, null, 2), options));
  console.log(
    `${Object.keys(out.members).length} members of ${Object.keys(out.models).length} models at ${out.commit}`,
  );
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
