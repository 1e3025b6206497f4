/**
 * Lint of a GitHub Actions workflow: GitHub's own parser and schema (@actions/workflow-parser, from
 * actions/languageservices; actionlint is not packaged here), then this project's rules:
 *   - every action is pinned by a full commit SHA, with its tag in a trailing comment;
 *   - top-level permissions are given and grant nothing beyond read;
 *   - a job that may mint an OIDC token (id-token: write) runs in an environment (its credentials and reviewers
 *     live there), installs dependencies without their install scripts, and checks out without persisting
 *     the GitHub token;
 *   - pulumi/actions names fully qualified stacks (`<org>/<stack>`).
 */
import { parse } from "yaml";

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string> | string;
  environment?: unknown;
  steps?: Step[];
}
interface Workflow {
  permissions?: Record<string, string> | string;
  jobs?: Record<string, Job>;
}

const PINNED = /^\s*-?\s*uses:\s*([\w.-]+\/[\w./-]+)@([0-9a-f]{40})\s+#\s*v\d+(\.\d+){0,2}\s*$/;

export async function workflowProblems(name: string, text: string): Promise<string[]> {
  const problems: string[] = [];
  // An ES module (this project compiles to CommonJS): loaded with a dynamic import.
  const { NoOperationTraceWriter, parseWorkflow } = await import("@actions/workflow-parser");
  const parsed = parseWorkflow({ name, content: text }, new NoOperationTraceWriter());
  problems.push(...parsed.context.errors.getErrors().map((e) => e.message));

  for (const [i, line] of text.split("\n").entries()) {
    if (!/^\s*-?\s*uses:/.test(line) || /uses:\s*\.\//.test(line)) continue;
    if (!PINNED.test(line))
      problems.push(`${name}:${i + 1}: action not pinned by commit SHA with its tag: ${line.trim()}`);
  }

  const wf = parse(text) as Workflow;
  const perms = wf.permissions;
  if (perms === undefined) problems.push(`${name}: no top-level permissions (the default token may write)`);
  else if (typeof perms === "string" || Object.values(perms).some((v) => v !== "read"))
    problems.push(`${name}: top-level permissions grant more than read: ${JSON.stringify(perms)}`);

  for (const [id, job] of Object.entries(wf.jobs ?? {})) {
    const jobPerms = typeof job.permissions === "object" ? job.permissions : {};
    const oidc = jobPerms["id-token"] === "write";
    const steps = job.steps ?? [];
    if (oidc && job.environment === undefined)
      problems.push(`${name}: job ${id} mints OIDC tokens outside an environment (no reviewers, repository-wide role)`);
    for (const s of steps) {
      if (s.uses?.startsWith("actions/checkout@") && s.with?.["persist-credentials"] !== false)
        problems.push(`${name}: job ${id} checks out with persist-credentials (the token stays in .git/config)`);
      if (oidc && s.run && /\bnpm (ci|install|i)\b/.test(s.run) && !s.run.includes("--ignore-scripts"))
        problems.push(`${name}: job ${id} runs dependency install scripts in a job with credentials: ${s.run}`);
      if (s.uses?.startsWith("pulumi/actions@") && !String(s.with?.["stack-name"] ?? "").includes("/"))
        problems.push(`${name}: job ${id} names a stack without its organisation: ${String(s.with?.["stack-name"])}`);
    }
  }
  return problems;
}
