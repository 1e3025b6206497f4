/**
 * npm run docs [-- --write]
 * The docs that restate code, generated from it:
 * - Pulumi.yaml's `config:` block, from CONFIG_SCHEMA and what each environment means (components/config);
 * - the README's config reference, from the same and the stack files' settings;
 * - the README's alert reference, from the alert rules monitoring-config builds for a dev stack on AWS.
 * The README's parts sit between `<!-- generated:<name> -->` and `<!-- /generated:<name> -->`; the rest of both
 * files is kept. Without --write it checks and exits 1 listing the stale files; --write rewrites them.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isScalar, Pair, parse, parseDocument, Scalar, YAMLMap, type Document } from "yaml";
import { CONFIG_SCHEMA, ENVIRONMENTS, environmentSpec, type ConfigKey, type Environment } from "../components/config";
import { AWS_WEB_USER, awsMonitoringSettings, buildRuleFiles, DEFAULT_PORTS } from "../monitoring-config";
import { REPO_ROOT } from "./lib/paths";

/** The repository files holding generated parts. */
export const GENERATED_FILES = ["Pulumi.yaml", "README.md"] as const;
export type GeneratedFile = (typeof GENERATED_FILES)[number];
/** The repository's files as read (path → text); the generator reads Pulumi.yaml, the stack files and README.md. */
export type RepoFiles = Record<string, string>;

const REGENERATE = "npm run docs -- --write";
const entries = Object.entries(CONFIG_SCHEMA) as [string, ConfigKey][];

const isPerEnvironment = (d: ConfigKey["default"]): d is Record<Environment, string | number | boolean | string[]> =>
  d !== null && typeof d === "object" && !Array.isArray(d);

/** A value as a stack file would hold it. */
const shown = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** The refusals of every environment for one key, as `<environment>: <why>`. */
function refusalNotes(name: string): string[] {
  return ENVIRONMENTS.flatMap((e) =>
    environmentSpec(e)
      .refusals.filter((r) => r.key === name)
      .map((r) => `${e}: ${r.allowed}${r.tiers ? ` (${r.tiers.join(", ")} tier)` : ""}`),
  );
}

/** What passes a key's validation, in words. */
function allowedText(spec: ConfigKey): string {
  return spec.check?.allowed ?? (spec.type === "boolean" ? "true, false" : `any ${spec.type}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Pulumi.yaml

/** The comment lines above a key in Pulumi.yaml: what is allowed, per-environment defaults, refusals. */
function keyComment(name: string, spec: ConfigKey): string {
  const lines = [`allowed: ${allowedText(spec)}`];
  if (spec.required) lines.push("required");
  if (isPerEnvironment(spec.default)) {
    const d = spec.default;
    lines.push(`default per environment: ${ENVIRONMENTS.map((e) => `${e} ${shown(d[e])}`).join(", ")}`);
  }
  lines.push(...refusalNotes(name).map((n) => `refused in ${n}`));
  return lines.map((l) => ` ${l}`).join("\n");
}

const quoted = (value: string) => Object.assign(new Scalar(value), { type: Scalar.QUOTE_DOUBLE });

/** The `config:` block: one declaration per CONFIG_SCHEMA key (Pulumi's project schema: type, items, default, secret, description). */
function configBlock(doc: Document): YAMLMap {
  const block = new YAMLMap();
  for (const [name, spec] of entries) {
    const decl = new YAMLMap();
    decl.set("type", spec.type);
    if (spec.type === "array") decl.set("items", doc.createNode({ type: "string" }));
    if (spec.default !== undefined && !isPerEnvironment(spec.default)) {
      const d = spec.default;
      decl.set(
        "default",
        Array.isArray(d)
          ? Object.assign(doc.createNode(d.map(quoted)), { flow: true })
          : typeof d === "string"
            ? quoted(d)
            : d,
      );
    }
    if (spec.secret) decl.set("secret", true);
    decl.set("description", quoted(spec.description));
    const key = new Scalar(name);
    key.commentBefore = keyComment(name, spec);
    block.items.push(new Pair(key, decl));
  }
  return block;
}

/** Pulumi.yaml with its `config:` block generated; every other part of the file is kept. */
export function pulumiYaml(current: string): string {
  const doc = parseDocument(current);
  const pair =
    doc.contents instanceof YAMLMap
      ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === "config")
      : undefined;
  if (!pair || !isScalar(pair.key)) throw new Error("Pulumi.yaml has no top-level `config:` to regenerate");
  pair.key.commentBefore = [
    ` Generated from components/config (CONFIG_SCHEMA and the environments' table) by \`${REGENERATE}\`: do`,
    " not edit by hand (tests/infra/generated-docs.test.ts fails when it is stale). Defaults that differ by",
    " environment are not declared here: the program applies them (see the comments).",
  ].join("\n");
  doc.set("config", configBlock(doc));
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

// ---------------------------------------------------------------------------------------------------------------
// README

/** A Markdown table cell: `<` and pipes escaped, line breaks as <br>. */
const cell = (text: string) => text.replace(/</g, "&lt;").replace(/\|/g, "\\|").replace(/\n/g, "<br>");
const code = (v: unknown) => `\`${shown(v)}\``;
const table = (head: string[], rows: string[][]) =>
  [head, head.map(() => "---"), ...rows].map((r) => `| ${r.map(cell).join(" | ")} |`).join("\n");

/** The stack files' own settings of a key, e.g. `prod: 10.50.0.0/16`. */
function stackSettings(files: RepoFiles, project: string): (name: string) => string {
  const stacks = Object.keys(files)
    .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
  const configs = stacks.map(
    (s) => [s, (parse(files[`Pulumi.${s}.yaml`]) as { config: Record<string, unknown> }).config] as const,
  );
  return (name) =>
    configs
      .filter(([, c]) => c[`${project}:${name}`] !== undefined)
      .map(([s, c]) => `${s}: ${code(c[`${project}:${name}`])}`)
      .join("\n") || "–";
}

function defaultCell(spec: ConfigKey): string {
  const secret = spec.secret ? " (secret)" : "";
  if (spec.required) return `**required**${secret}`;
  const d = spec.default;
  if (d === undefined) return `–${secret}`;
  return isPerEnvironment(d) ? ENVIRONMENTS.map((e) => `${e} ${code(d[e])}`).join("\n") : code(d);
}

/** The README's config reference: what each environment means, then every key. */
export function configReference(files: RepoFiles): string {
  const project = (parse(files["Pulumi.yaml"]) as { name: string }).name;
  const setBy = stackSettings(files, project);
  const environments = table(
    ["environment", "for", "keeps data", "refuses"],
    ENVIRONMENTS.map((e) => {
      const spec = environmentSpec(e);
      const refusals = spec.refusals.map(
        (r) => `\`${r.key}\`: ${r.allowed}${r.tiers ? ` (${r.tiers.join(", ")} tier)` : ""}`,
      );
      return [
        code(e),
        spec.purpose,
        spec.protection.keepData ? "yes: protected and retained on destroy" : "no",
        refusals.join("\n") || "–",
      ];
    }),
  );
  const keys = table(
    ["key", "type", "default", "allowed", "stack files", "description"],
    entries.map(([name, spec]) => [
      code(name),
      spec.type,
      defaultCell(spec),
      [allowedText(spec), ...refusalNotes(name).map((n) => `**${n.replace(/:/, "**:")}`)].join("\n"),
      setBy(name),
      spec.description,
    ]),
  );
  return [
    "What each environment means (`components/config/environments.ts`):",
    "",
    environments,
    "",
    `Besides \`aws:region\` (required), the keys \`${project}:<key>\` (\`components/config/schema.ts\`; "stack files": what`,
    "each `Pulumi.<stack>.yaml` sets):",
    "",
    keys,
  ].join("\n");
}

/**
 * A dev stack's monitoring settings on AWS: the alert rules depend on the thresholds, the SLO and the app's job
 * only, so these placeholder addresses and ARNs change nothing in the table.
 */
function representativeMonitoringSettings() {
  return awsMonitoringSettings({
    environment: "dev",
    region: "eu-west-1",
    discoveryTags: { Project: "observed-app", Stack: "dev" },
    appMetricsPort: DEFAULT_PORTS.metrics,
    appUrl: `http://203.0.113.10:${DEFAULT_PORTS.app}`,
    topicArns: {
      page: "arn:aws:sns:eu-west-1:123456789012:alerts",
      ticket: "arn:aws:sns:eu-west-1:123456789012:tickets",
      heartbeat: "arn:aws:sns:eu-west-1:123456789012:heartbeat",
    },
    grafanaAdminPassword: "",
    guardDutyRuleName: "guardduty-findings",
    retention: "15d",
    basicAuth: { username: AWS_WEB_USER, password: "" },
  });
}

/** The README's alert reference: every alert the rule files hold, by group. */
export function alertReference(): string {
  const rows = buildRuleFiles(representativeMonitoringSettings()).flatMap((file) =>
    file.groups.flatMap((group) =>
      group.rules.flatMap((rule) => {
        if (!("alert" in rule)) return [];
        const anchor = rule.annotations.runbook_url.split("#")[1] ?? "";
        return [
          [
            rule.alert,
            group.name,
            rule.labels.severity,
            rule.for ?? "–",
            rule.annotations.summary,
            `[${anchor}](docs/runbooks.md#${anchor})`,
          ],
        ];
      }),
    ),
  );
  return [
    `${rows.length} alerts, as a dev stack on AWS renders them (\`monitoring-config/rules.ts\`; thresholds and \`for\` from`,
    "`monitoring-config/thresholds.ts`):",
    "",
    table(["alert", "group", "severity", "for", "summary", "runbook"], rows),
  ].join("\n");
}

/** `text` with the part between the markers `name` replaced by `body` (the markers must be there). */
export function replaceGenerated(text: string, name: string, body: string): string {
  const open = `<!-- generated:${name} -->`;
  const close = `<!-- /generated:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`missing markers ${open} … ${close}`);
  const note = `<!-- Generated by \`${REGENERATE}\` (scripts/gen-docs.ts): do not edit by hand. -->`;
  return `${text.slice(0, start)}${open}\n${note}\n\n${body}\n\n${text.slice(end)}`;
}

/** Every generated file as it should read, from the repository's current files. */
export function generate(files: RepoFiles): Record<GeneratedFile, string> {
  let readme = replaceGenerated(files["README.md"], "config-reference", configReference(files));
  readme = replaceGenerated(readme, "alert-reference", alertReference());
  return { "Pulumi.yaml": pulumiYaml(files["Pulumi.yaml"]), "README.md": readme };
}

/** The files the generator reads, from a repository checkout. */
export function readRepoFiles(root = REPO_ROOT): RepoFiles {
  const names = readdirSync(root).filter((f) => f === "README.md" || /^Pulumi(\.[^.]+)?\.yaml$/.test(f));
  return Object.fromEntries(names.map((f) => [f, readFileSync(join(root, f), "utf8")]));
}

/** The generated files whose content differs from what the code says. */
export function staleFiles(files: RepoFiles): GeneratedFile[] {
  const expected = generate(files);
  return GENERATED_FILES.filter((f) => files[f] !== expected[f]);
}

function main(argv: string[]): number {
  const write = argv.includes("--write");
  if (argv.some((a) => a !== "--write")) {
    console.error("usage: npm run docs [-- --write]");
    return 2;
  }
  const files = readRepoFiles();
  const stale = staleFiles(files);
  if (write) {
    const expected = generate(files);
    for (const f of stale) writeFileSync(join(REPO_ROOT, f), expected[f]);
    console.log(stale.length ? `rewrote ${stale.join(", ")}` : "generated docs are up to date");
    return 0;
  }
  if (stale.length) {
    console.error(`stale generated docs: ${stale.join(", ")}\nrun \`${REGENERATE}\``);
    return 1;
  }
  console.log("generated docs are up to date");
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
