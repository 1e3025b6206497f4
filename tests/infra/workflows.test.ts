/**
 * The GitHub workflows, linted in `npm test`: GitHub's own workflow parser and schema plus the project's rules
 * (tests/helpers/workflow-lint.ts). Each rule has a fixture that breaks it. The pinned SHAs were read from the
 * actions' repositories (tags v7.0.1, v7.0.0, v6.2.3, v7.0.0); nothing here reaches GitHub.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/paths";
import { workflowProblems } from "../helpers/workflow-lint";

const DIR = join(REPO_ROOT, ".github", "workflows");
const preview = readFileSync(join(DIR, "preview.yml"), "utf8");

describe("GitHub workflows (GitHub's workflow parser + the project's rules)", () => {
  it("every workflow in .github/workflows passes", async () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith(".yml"));
    expect(files.sort()).toEqual(["ci.yml", "preview.yml"]);
    for (const f of files) expect(await workflowProblems(f, readFileSync(join(DIR, f), "utf8")), f).toEqual([]);
  });

  it("the prod preview runs in the prod environment, with a fully qualified stack and no install scripts", () => {
    expect(preview).toMatch(/environment: \$\{\{ matrix\.stack \}\}/);
    expect(preview).toMatch(/stack: \[dev, prod\]/);
    expect(preview).toMatch(/stack-name: \$\{\{ vars\.PULUMI_ORG \}\}\/\$\{\{ matrix\.stack \}\}/);
    expect(preview).toContain("npm ci --ignore-scripts");
  });

  const broken: [string, (w: string) => string, RegExp][] = [
    ["a misspelt key", (w) => w.replace("timeout-minutes:", "timeout-minute:"), /Unexpected value 'timeout-minute'/],
    [
      "an action pinned by tag",
      (w) => w.replace(/actions\/checkout@\S+ # v7\.0\.1/, "actions/checkout@v7"),
      /not pinned/,
    ],
    ["a SHA without its tag", (w) => w.replace(/ # v6\.2\.3/, ""), /not pinned/],
    ["write permissions at the top", (w) => w.replace("permissions: {}", "permissions: write-all"), /more than read/],
    ["OIDC outside an environment", (w) => w.replace(/\n {4}environment: .*\n/, "\n"), /outside an environment/],
    ["install scripts with credentials", (w) => w.replace("npm ci --ignore-scripts", "npm ci"), /install scripts/],
    [
      "a persisted checkout token",
      (w) => w.replace(/persist-credentials: false/, "persist-credentials: true"),
      /persist-credentials/,
    ],
    [
      "a stack without its org",
      (w) => w.replace(/stack-name: .*/, "stack-name: ${{ matrix.stack }}"),
      /without its organisation/,
    ],
  ];
  for (const [what, edit, problem] of broken) {
    it(`refuses ${what}`, async () => {
      const changed = edit(preview);
      expect(changed).not.toBe(preview);
      expect((await workflowProblems("preview.yml", changed)).join("\n")).toMatch(problem);
    });
  }
});
