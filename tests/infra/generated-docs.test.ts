/**
 * The docs generated from code (scripts/gen-docs.ts, `npm run docs -- --write`): Pulumi.yaml's `config:` block
 * and the README's config and alert references. Stale means a test failure, not a drifting restatement.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_SCHEMA } from "../../components/config";
import { allAlerts, settingsForStack } from "../../monitoring-config";
import { generate, pulumiYaml, readRepoFiles, replaceGenerated, staleFiles } from "../../scripts/gen-docs";

const files = readRepoFiles();
const section = (readme: string, name: string) =>
  readme.slice(readme.indexOf(`<!-- generated:${name} -->`), readme.indexOf(`<!-- /generated:${name} -->`));

describe("generated docs are up to date", () => {
  it("Pulumi.yaml's config block and the README's config and alert references (else: npm run docs -- --write)", () => {
    expect(staleFiles(files)).toEqual([]);
  });

  it("a changed description makes Pulumi.yaml and the README stale", () => {
    const spec = CONFIG_SCHEMA.vpcCidr;
    const before = spec.description;
    spec.description = `${before} (changed)`;
    try {
      expect(staleFiles(files)).toEqual(["Pulumi.yaml", "README.md"]);
    } finally {
      spec.description = before;
    }
    expect(staleFiles(files)).toEqual([]);
  });

  it("a hand edit inside a generated part is stale; outside the markers the README is kept as written", () => {
    const inside = files["README.md"].replace("| `vpcCidr` |", "| `vpcCidr` (edited) |");
    expect(inside).not.toBe(files["README.md"]);
    expect(staleFiles({ ...files, "README.md": inside })).toEqual(["README.md"]);
    const outside = files["README.md"].replace("## Quick start", "## Quick start (edited)");
    expect(outside).not.toBe(files["README.md"]);
    expect(staleFiles({ ...files, "README.md": outside })).toEqual([]);
  });

  it("a changed stack file setting makes the README's config reference stale", () => {
    const prod = files["Pulumi.prod.yaml"].replace("prometheusRetention: 30d", "prometheusRetention: 45d");
    expect(prod).not.toBe(files["Pulumi.prod.yaml"]);
    expect(staleFiles({ ...files, "Pulumi.prod.yaml": prod })).toEqual(["README.md"]);
  });

  it("markers that are missing stop the generator", () => {
    expect(() => replaceGenerated("no markers here", "config-reference", "x")).toThrow(/missing markers/);
  });
});

describe("what the generated parts say", () => {
  it("Pulumi.yaml keeps its other parts, declares every key once and regenerates to itself", () => {
    const before = parse(files["Pulumi.yaml"]);
    const once = generate(files)["Pulumi.yaml"];
    const after = parse(once);
    expect({ ...after, config: undefined }).toEqual({ ...before, config: undefined });
    expect(Object.keys(after.config)).toEqual(Object.keys(CONFIG_SCHEMA));
    expect(pulumiYaml(once)).toBe(once);
    expect(once).toMatch(/^# Generated from components\/config/m);
  });

  it("the README's alert reference lists every alert, each with its severity and runbook anchor", () => {
    const alerts = allAlerts(settingsForStack("local"));
    const table = section(files["README.md"], "alert-reference");
    const rows = table.split("\n").filter((l) => /^\| [A-Z]/.test(l));
    expect(rows.map((r) => r.split(" | ")[0].slice(2))).toEqual(alerts.map((a) => a.alert));
    for (const a of alerts) {
      const row = rows.find((r) => r.startsWith(`| ${a.alert} |`))!;
      expect(row).toContain(` ${a.labels.severity} `);
      expect(row).toContain(`(docs/runbooks.md#${a.alert.toLowerCase()})`);
    }
  });

  it("the README's config reference has a row for every key, with its per-environment defaults", () => {
    const table = section(files["README.md"], "config-reference");
    for (const name of Object.keys(CONFIG_SCHEMA)) expect(table).toContain(`| \`${name}\` |`);
    expect(table).toMatch(/\| `appLogRetentionDays` \| integer \| dev `14`<br>prod `90` \|/);
  });
});
