/**
 * Holds recorded resource inputs (scripts/lib/program-mocks.ts) against AWS's own API models: each string and
 * number input mapped in testkit/api-models/mapping.ts is checked against its member's `pattern`, `length`,
 * `range` and enum values as extracted into constraints.json (aws/api-models-aws at the commit recorded there),
 * and a violation carries the message AWS's validation gives ("Member must satisfy regular expression pattern: …").
 * Mocks accept any string; these members are what the API refuses at create time, which `pulumi preview` and the
 * provider's own checks do not always catch.
 *
 * Patterns are compiled as ECMAScript with the `u` flag and, as Smithy specifies, are not implicitly anchored.
 * `\s` and `\S` are read as Java reads them (ASCII whitespace): AWS validates with Java regular expressions,
 * where `\s` does not match U+00A0 and other Unicode spaces that ECMAScript's `\s` matches. Lengths of strings
 * count Unicode code points; lengths of lists count elements.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ContractRule, ResourceInputs, Violation } from "../contract-rule";
import { API_MODEL_MAPPINGS, UNMAPPED_TYPES, type MemberRef, type TypeMapping } from "./mapping";
import { memberKey, withListMembers } from "./members";
import type { MemberConstraint } from "./smithy";

export interface ApiModelConstraints {
  repository: string;
  commit: string;
  committed: string;
  models: Record<string, { path: string; blob: string }>;
  members: Record<string, MemberConstraint>;
}

export const API_MODELS: ApiModelConstraints = JSON.parse(readFileSync(join(__dirname, "constraints.json"), "utf8"));
export const API_MODELS_SOURCE = `aws/api-models-aws@${API_MODELS.commit}`;
const SHORT_SOURCE = `aws/api-models-aws@${API_MODELS.commit.slice(0, 12)}`;

export type Family = "pattern" | "length" | "range" | "enum";
export const FAMILIES: Family[] = ["pattern", "length", "range", "enum"];

export interface ApiModelViolation extends Violation {
  family: Family;
  /** `<service> <Operation>.<member path>` */
  member: string;
}

/** What became of one input path of one type. */
export type InputStatus = "checked" | "unconstrained" | "unmapped" | "unclassified" | "not-extracted";

export interface InputUse {
  type: string;
  path: string;
  status: InputStatus;
  member?: string;
  reason?: string;
  /** Values of this path held against the model (over every resource of the type). */
  values: number;
}

const NUMERIC = new Set(["byte", "short", "integer", "long", "float", "double", "bigInteger", "bigDecimal", "intEnum"]);
const JAVA_SPACE = "\\t\\n\\v\\f\\r ";

/** Read `\s` and `\S` the way Java does (ASCII whitespace only); everything else as written. */
export function javaCompatible(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const n = pattern[i + 1];
      if (n === "s") out += inClass ? JAVA_SPACE : `[${JAVA_SPACE}]`;
      else if (n === "S" && !inClass) out += `[^${JAVA_SPACE}]`;
      else out += c + n;
      i++;
      continue;
    }
    if (c === "[" && !inClass) inClass = true;
    else if (c === "]" && inClass) inClass = false;
    out += c;
  }
  return out;
}

const compiled = new Map<string, RegExp>();
export function compilePattern(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(javaCompatible(pattern), "u");
    compiled.set(pattern, re);
  }
  return re;
}

const hasConstraint = (c: MemberConstraint) => Boolean(c.pattern || c.length || c.range || c.enum);
const shown = (v: unknown) => {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
};

/** The model's constraints that `value` breaks, in AWS's validation wording. */
export function constraintProblems(value: unknown, c: MemberConstraint): { family: Family; message: string }[] {
  const out: { family: Family; message: string }[] = [];
  const bounds = (family: Family, what: string, n: number, b: { min?: number; max?: number }) => {
    if (b.min !== undefined && n < b.min)
      out.push({ family, message: `Member must have ${what} greater than or equal to ${b.min}` });
    if (b.max !== undefined && n > b.max)
      out.push({ family, message: `Member must have ${what} less than or equal to ${b.max}` });
  };
  if (c.type === "list" || c.type === "set" || c.type === "map") {
    const n = Array.isArray(value) ? value.length : value && typeof value === "object" ? Object.keys(value).length : 0;
    if (c.length) bounds("length", "length", n, c.length);
    return out;
  }
  if (NUMERIC.has(c.type)) {
    const n = typeof value === "number" ? value : Number(value);
    if (typeof value === "boolean" || Number.isNaN(n) || (typeof value === "string" && value.trim() === "")) {
      out.push({ family: "range", message: `Member must be a number (${c.type})` });
      return out;
    }
    if (c.range) bounds("range", "value", n, c.range);
    if (c.enum && !c.enum.includes(n))
      out.push({ family: "enum", message: `Member must satisfy enum value set: [${c.enum.join(", ")}]` });
    return out;
  }
  const s = typeof value === "string" ? value : typeof value === "number" ? String(value) : JSON.stringify(value);
  if (c.length) bounds("length", "length", [...s].length, c.length);
  if (c.pattern && !compilePattern(c.pattern).test(s)) {
    out.push({ family: "pattern", message: `Member must satisfy regular expression pattern: ${c.pattern}` });
  }
  if (c.enum && !c.enum.includes(s)) {
    out.push({ family: "enum", message: `Member must satisfy enum value set: [${c.enum.join(", ")}]` });
  }
  return out;
}

const plainObject = (v: unknown): v is Record<string, unknown> =>
  Boolean(v) &&
  typeof v === "object" &&
  !Array.isArray(v) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(v));

/** Check one resource: its violations, and what became of each input path it has. */
export function examine(
  r: ResourceInputs,
  constraints: ApiModelConstraints = API_MODELS,
  mappings: Record<string, TypeMapping> = API_MODEL_MAPPINGS,
): { violations: ApiModelViolation[]; uses: InputUse[] } {
  const mapping = mappings[r.type];
  const table = mapping ? withListMembers(mapping.members) : {};
  const violations: ApiModelViolation[] = [];
  const uses = new Map<string, InputUse>();
  const use = (path: string, status: InputStatus, extra: Partial<InputUse> = {}) => {
    const u = uses.get(path) ?? { type: r.type, path, status, values: 0, ...extra };
    uses.set(path, u);
    return u;
  };

  const hold = (norm: string, concrete: string, value: unknown, ref: MemberRef, countAsInput: boolean) => {
    const key = memberKey(mapping!.service, ref.member);
    const c = constraints.members[key];
    if (!c) {
      if (countAsInput) use(norm, "not-extracted", { member: key, reason: "re-run testkit/api-models/extract.ts" });
      return;
    }
    if (countAsInput) use(norm, hasConstraint(c) ? "checked" : "unconstrained", { member: key }).values++;
    for (const p of constraintProblems(value, c)) {
      const at = ref.member.slice(ref.member.indexOf(".") + 1);
      violations.push({
        rule: `api-model-${p.family}`,
        family: p.family,
        member: key,
        resource: `${r.type} ${r.name}`,
        property: concrete,
        value,
        allowed: `Value '${shown(value)}' at '${at}' failed to satisfy constraint: ${p.message} (${key}, shape ${c.shape}; ${SHORT_SOURCE})`,
      });
    }
  };

  const leaf = (norm: string, concrete: string, value: unknown) => {
    const ref = table[norm];
    if (mapping && ref) {
      const sent = ref.suffix !== undefined && typeof value === "string" ? value + ref.suffix : value;
      return hold(norm, concrete, sent, ref, true);
    }
    const reason = mapping?.unmapped?.[norm] ?? UNMAPPED_TYPES[r.type];
    use(norm, reason ? "unmapped" : "unclassified", { reason: reason ?? "no mapping and no reason given" }).values++;
  };

  const visit = (value: unknown, norm: string, concrete: string): void => {
    if (value === undefined || value === null || typeof value === "boolean") return;
    const ref = table[norm];
    if (Array.isArray(value)) {
      if (ref?.join !== undefined) return leaf(norm, concrete, value.join(ref.join));
      if (mapping && ref) hold(norm, concrete, value, ref, false);
      value.forEach((x, i) => visit(x, `${norm}[]`, `${concrete}[${i}]`));
      return;
    }
    if (typeof value === "object") {
      if (!plainObject(value)) return; // assets and archives: no AWS member takes them as such
      if (ref) return leaf(norm, concrete, JSON.stringify(value)); // a policy given as an object: sent as JSON
      const isMap = `${norm}.*` in table || `${norm}.*{key}` in table || /(^|[.\]])tags$/.test(norm);
      for (const [k, v] of Object.entries(value)) {
        if (isMap) {
          leaf(`${norm}.*{key}`, `${concrete} key ${JSON.stringify(k)}`, k);
          visit(v, `${norm}.*`, `${concrete}.${k}`);
        } else {
          visit(v, norm ? `${norm}.${k}` : k, norm ? `${concrete}.${k}` : k);
        }
      }
      return;
    }
    if (typeof value === "string" || typeof value === "number") leaf(norm, concrete, value);
  };

  visit(r.inputs, "", "");
  const auto = mapping?.autoname;
  if (auto && r.inputs[auto] === undefined && table[auto]) {
    // pulumi-aws autonaming: `<logical name>-<7 random hex>`.
    hold(`${auto} (autonamed)`, auto, `${r.name}-0a1b2c3`, table[auto], true);
  }
  return { violations, uses: [...uses.values()] };
}

/** Every violation of the model's constraints over the resources. */
export function checkApiModels(resources: ResourceInputs[]): ApiModelViolation[] {
  return resources.filter((r) => r.type.startsWith("aws:")).flatMap((r) => examine(r).violations);
}

/** The four rule families as contract rules (testkit/contract-rule.ts), for checkContracts. */
export const API_MODEL_RULES: ContractRule[] = FAMILIES.map((family) => ({
  id: `api-model-${family}`,
  source: `${API_MODELS_SOURCE} (Smithy ${family === "enum" ? "enum values" : `smithy.api#${family}`}), via testkit/api-models/mapping.ts`,
  types: Object.keys(API_MODEL_MAPPINGS),
  check(r, report) {
    for (const v of examine(r).violations.filter((x) => x.family === family)) report(v.property, v.value, v.allowed);
  },
}));

export interface TypeCoverage {
  type: string;
  resources: number;
  checked: string[];
  unconstrained: string[];
  unmapped: { path: string; reason: string }[];
  unclassified: string[];
  notExtracted: string[];
  values: number;
}

/** Per AWS type: which input paths were held against a constrained member, which map to none, which are unmapped. */
export function apiModelCoverage(resources: ResourceInputs[]): TypeCoverage[] {
  const byType = new Map<string, { n: number; uses: Map<string, InputUse> }>();
  for (const r of resources.filter((x) => x.type.startsWith("aws:"))) {
    const entry = byType.get(r.type) ?? { n: 0, uses: new Map() };
    byType.set(r.type, entry);
    entry.n++;
    for (const u of examine(r).uses) {
      const prev = entry.uses.get(u.path);
      entry.uses.set(u.path, prev ? { ...prev, values: prev.values + u.values } : u);
    }
  }
  return [...byType.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, { n, uses }]) => {
      const all = [...uses.values()].sort((a, b) => a.path.localeCompare(b.path));
      const paths = (s: InputStatus) => all.filter((u) => u.status === s).map((u) => u.path);
      return {
        type,
        resources: n,
        checked: paths("checked"),
        unconstrained: paths("unconstrained"),
        unmapped: all.filter((u) => u.status === "unmapped").map((u) => ({ path: u.path, reason: u.reason ?? "" })),
        unclassified: paths("unclassified"),
        notExtracted: paths("not-extracted"),
        values: all.filter((u) => u.status === "checked").reduce((s, u) => s + u.values, 0),
      };
    });
}

/** A table of the coverage, for the test's output. */
export function formatCoverage(stack: string, rows: TypeCoverage[]): string {
  const sum = (f: (r: TypeCoverage) => number) => rows.reduce((s, r) => s + f(r), 0);
  const lines = [
    `API-model coverage, ${stack} (${API_MODELS_SOURCE}): inputs checked against a constrained member / mapped to a member the model leaves unconstrained / unmapped, per AWS type`,
  ];
  for (const r of rows) {
    const why = [...new Set(r.unmapped.map((u) => u.reason))];
    const un = r.unmapped.length ? ` — unmapped: ${r.unmapped.map((u) => u.path).join(", ")} (${why.join("; ")})` : "";
    const bad = r.unclassified.length ? ` — UNCLASSIFIED: ${r.unclassified.join(", ")}` : "";
    lines.push(
      `  ${r.type.padEnd(72)} ${String(r.checked.length).padStart(3)} / ${String(r.unconstrained.length).padStart(2)} / ${String(r.unmapped.length).padStart(2)}${un}${bad}`,
    );
  }
  lines.push(
    `  total: ${sum((r) => r.checked.length)} inputs checked (${sum((r) => r.values)} values), ${sum((r) => r.unconstrained.length)} mapped without a constraint in the model, ${sum((r) => r.unmapped.length)} unmapped, ${sum((r) => r.unclassified.length)} unclassified`,
  );
  return lines.join("\n");
}
