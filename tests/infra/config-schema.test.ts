/**
 * The project's config as Pulumi itself sees it, before any program runs: Pulumi.yaml against Pulumi's project
 * schema (tests/infra/schemas, restated from pulumi/pulumi with its commit), Pulumi.yaml against the one table the
 * program reads (components/config/schema.ts CONFIG_SCHEMA; Pulumi.yaml's block is generated from it, and
 * tests/infra/generated-docs.test.ts fails when it is stale), and each Pulumi.<stack>.yaml against both.
 */
import Ajv2020 from "ajv/dist/2020";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  CONFIG_SCHEMA,
  ConfigError,
  parseSettings,
  type ConfigKey,
  type Environment,
  type RawConfig,
} from "../../components/config";
import { REPO_ROOT } from "../../scripts/lib/paths";
import { runStack, stackConfig, TEST_API_TOKEN } from "../../scripts/lib/program-mocks";

const projectSchema = JSON.parse(readFileSync(join(__dirname, "schemas", "pulumi-project.schema.json"), "utf8"));
const validateProject = new Ajv2020({ allErrors: true, strict: false }).compile(projectSchema);
const readYaml = (file: string) => parse(readFileSync(join(REPO_ROOT, file), "utf8"));
const project = readYaml("Pulumi.yaml") as {
  name: string;
  config: Record<
    string,
    { type: string; items?: { type: string }; default?: unknown; secret?: boolean; description?: string }
  >;
};
const stackFiles = readdirSync(REPO_ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
/** Provider namespaces a stack file may set besides the project's own keys. */
const PROVIDER_KEYS = /^(aws|docker|command|tls|random):/;

/** Schema problems of a project document, as ajv reports them ("" when valid). */
function projectProblems(doc: unknown): string {
  return validateProject(doc) ? "" : JSON.stringify(validateProject.errors);
}

describe("Pulumi.yaml against Pulumi's project schema (what every `pulumi` command checks first)", () => {
  it("validates", () => {
    expect(projectProblems(project)).toBe("");
  });

  it("a config type Pulumi does not have (type: number) fails", () => {
    const broken = structuredClone(project);
    broken.config.guardDutyMinSeverity = { type: "number", default: 4 };
    expect(projectProblems(broken)).toMatch(/guardDutyMinSeverity|enum|oneOf/);
  });

  it("an array without items, an unknown declaration key or a missing runtime fails", () => {
    const noItems = structuredClone(project);
    delete noItems.config.adminCidrs.items;
    expect(projectProblems(noItems)).not.toBe("");
    const unknownKey = structuredClone(project) as unknown as { config: Record<string, Record<string, unknown>> };
    unknownKey.config.appPort.min = 1;
    expect(projectProblems(unknownKey)).not.toBe("");
    const { runtime: _runtime, ...noRuntime } = project as unknown as Record<string, unknown>;
    expect(projectProblems(noRuntime)).toMatch(/runtime/);
  });
});

describe("Pulumi.yaml declares exactly the keys of components/config/schema.ts, with the same types, defaults, secrets and descriptions", () => {
  it("same keys", () => {
    expect(Object.keys(project.config).sort()).toEqual(Object.keys(CONFIG_SCHEMA).sort());
  });

  for (const [name, spec] of Object.entries(CONFIG_SCHEMA) as [string, ConfigKey][]) {
    it(name, () => {
      const declared = project.config[name];
      expect(declared.type).toBe(spec.type);
      if (spec.type === "array") expect(declared.items).toEqual({ type: "string" });
      expect(declared.secret ?? false).toBe(spec.secret ?? false);
      expect(declared.description).toBe(spec.description);
      const perEnvironment = spec.default !== null && typeof spec.default === "object" && !Array.isArray(spec.default);
      // A per-environment default lives in the code only; Pulumi.yaml then declares none.
      expect(declared.default).toEqual(perEnvironment ? undefined : spec.default);
      if (spec.secret) expect(declared.default).toBeUndefined();
    });
  }
});

describe("stack files: every key is a declared project key or a provider key, with a value of the declared type", () => {
  it("there are stack files for dev and prod", () => {
    expect(stackFiles).toEqual(expect.arrayContaining(["Pulumi.dev.yaml", "Pulumi.prod.yaml"]));
  });
  const typeOf = (v: unknown) =>
    Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v === "boolean" ? "boolean" : typeof v;
  for (const file of stackFiles) {
    it(file, () => {
      const config = (readYaml(file) as { config: Record<string, unknown> }).config;
      expect(config["aws:region"]).toMatch(/^[a-z]{2}(-[a-z]+)+-\d$/);
      for (const [k, v] of Object.entries(config)) {
        if (PROVIDER_KEYS.test(k)) continue;
        const [ns, name] = k.split(":");
        expect(ns, `${file}: ${k} is not in the project's namespace`).toBe(project.name);
        expect(project.config[name], `${file}: ${k} is not declared in Pulumi.yaml`).toBeDefined();
        expect(typeOf(v), `${file}: ${k}`).toBe(project.config[name].type);
        expect(project.config[name].secret ?? false, `${file}: secret ${k} must be set with --secret`).toBe(false);
      }
    });
  }
});

describe("environment decides what a stack keeps, not the stack's name", () => {
  const raw = (stack: Environment, overrides: Record<string, unknown> = {}): RawConfig => {
    const out: RawConfig = {};
    for (const [k, v] of Object.entries(stackConfig(stack, { apiToken: TEST_API_TOKEN, ...overrides }))) {
      if (k.startsWith(`${project.name}:`)) out[k.slice(project.name.length + 1)] = v;
    }
    return out;
  };
  const parseAs = (file: Environment, stack: string, overrides: Record<string, unknown> = {}) =>
    parseSettings(raw(file, overrides), { project: project.name, stack, region: "eu-west-1" });

  it("a stack named `production` with environment prod gets prod protection and prod defaults", () => {
    const s = parseAs("prod", "production");
    expect(s.environment).toBe<Environment>("prod");
    expect(s.protection.keepData).toBe(true);
    expect(s.security.forceDestroy).toBe(false);
    expect(s.app.logRetentionDays).toBe(90);
    expect(s.tags.Stack).toBe("production");
  });

  it("a stack named `prod-eu` with environment dev gets dev behaviour", () => {
    const s = parseAs("dev", "prod-eu");
    expect(s.protection.keepData).toBe(false);
    expect(s.security.trailLogRetentionDays).toBe(14);
  });

  it("without environment the program stops, naming the key and the allowed values", () => {
    const r = raw("dev");
    delete r.environment;
    expect(() => parseSettings(r, { project: project.name, stack: "staging", region: "eu-west-1" })).toThrow(
      ConfigError,
    );
    expect(() => parseSettings(r, { project: project.name, stack: "staging", region: "eu-west-1" })).toThrow(
      /environment=undefined is invalid: required: allowed values are dev, prod/,
    );
    expect(() => parseAs("dev", "dev", { environment: "staging" })).toThrow(
      /environment="staging" is invalid: allowed values are dev, prod/,
    );
  });

  it("mock-level: the program for a stack named `production` protects and retains its data (Pulumi mocks)", async () => {
    const run = await runStack("prod", {}, {}, "production");
    const volumes = run.byType("aws:ebs/volume:Volume");
    // The monitoring pair's (prod runs two monitoring hosts and the app fleet by default).
    expect(volumes.length).toBe(2);
    for (const v of volumes) expect(v.opts).toMatchObject({ protect: true, retainOnDelete: true });
    expect(run.one("aws:amp/workspace:Workspace").opts).toMatchObject({ protect: true, retainOnDelete: true });
    const db = run.one("aws:rds/instance:Instance");
    expect(db.opts).toMatchObject({ protect: true, retainOnDelete: true });
    expect(db.inputs).toMatchObject({
      deletionProtection: true,
      multiAz: true,
      identifier: "observed-app-production-db",
    });
    for (const repo of run.byType("aws:ecr/repository:Repository")) expect(repo.inputs.forceDelete).toBe(false);
    expect(volumes.every((v) => v.name.startsWith("observed-app-production-"))).toBe(true);
  }, 60_000);
});
