/**
 * A stack's config as the Pulumi CLI hands it to the program: Pulumi.yaml's defaults overlaid by
 * Pulumi.<stack>.yaml (then test overrides), every value a string (arrays, numbers, booleans JSON-encoded).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO_ROOT as ROOT } from "./paths";

/** The project's name (Pulumi.yaml `name`), the namespace of its config keys. */
export function projectName(): string {
  return (parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string }).name;
}

/** Config of a stack as the Pulumi CLI would pass it: Pulumi.yaml defaults overlaid by the stack file. */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, string> {
  const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as {
    name: string;
    config: Record<string, { default?: unknown }>;
  };
  const stackFile = parse(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  const out: Record<string, string> = {};
  const put = (key: string, v: unknown) => {
    if (v === undefined || v === null) return;
    out[key] = typeof v === "string" ? v : JSON.stringify(v);
  };
  for (const [k, spec] of Object.entries(project.config)) put(`${project.name}:${k}`, spec.default);
  for (const [k, v] of Object.entries(stackFile.config)) put(k, v);
  for (const [k, v] of Object.entries(overrides)) put(k.includes(":") ? k : `${project.name}:${k}`, v);
  return out;
}
