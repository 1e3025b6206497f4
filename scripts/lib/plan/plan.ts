/**
 * What a `pulumi up` would do between two mock-level runs of the program (pure: no Pulumi, no I/O).
 *
 * Per resource: create / update / replace / delete / same, with the input paths that changed and whether the
 * provider (REPLACE_TABLE) or `replaceOnChanges` forces a replacement; `ignoreChanges` is honoured. Values known
 * only after apply are simulated the way the engine sees them at preview: when a resource is replaced (or
 * created), its computed outputs become placeholders (`pending--<name>--<output>`), so every value derived from
 * them - an attachment's instanceId, a bundle hash, a stack output - differs from before and is reported as
 * unknown, naming the resource it waits for.
 */
import { REPLACE_TABLE, dataBearing, type TypeRule } from "./table";
import { keyOfUrn } from "./urn";
import type { ChangeReason, OutputChange, Plan, PlanRow, Snapshot, SnapshotResource } from "./types";

export const PENDING = "pending--";
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-");
const PENDING_RE = /pending--([a-z0-9-]+?)--([a-z0-9-]+)/g;

/** A host- and URL-safe stand-in for an output known only after apply. */
export function placeholder(name: string, output: string): string {
  return `${PENDING}${slug(name)}--${slug(output)}`;
}

/** `name.output` of every placeholder inside a value. */
export function pendingSources(v: unknown): string[] {
  const found = new Set<string>();
  const walk = (x: unknown) => {
    if (typeof x === "string") for (const m of x.matchAll(PENDING_RE)) found.add(`${m[1]}.${m[2]}`);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === "object") Object.values(x).forEach(walk);
  };
  walk(v);
  return [...found];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;

/** Paths (`a.b[0].c`) at which two JSON values differ. */
export function changedPaths(a: unknown, b: unknown, path = "", out: string[] = []): string[] {
  if (a === b || (absent(a) && absent(b))) return out;
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      changedPaths(a[k], b[k], path ? `${path}.${k}` : k, out);
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) changedPaths(a[i], b[i], `${path}[${i}]`, out);
    return out;
  }
  out.push(path);
  return out;
}

const segments = (p: string) => p.match(/\[[^\]]*\]|[^.[\]]+/g) ?? [];

/** Does a pattern (`ebsBlockDevices[*].volumeSize`, `tags`, `*`) cover a concrete path or its subtree? */
export function patternCovers(pattern: string, path: string): boolean {
  if (pattern === "*") return true;
  const [p, c] = [segments(pattern), segments(path)];
  if (p.length > c.length) return false;
  return p.every((s, i) => s === c[i] || (s === "[*]" && c[i].startsWith("[")));
}

/** A forceNew entry forces replacement when the change is at it, below it, or above it (a block added/removed). */
function forcesNew(entry: string, path: string): boolean {
  return patternCovers(entry, path) || patternCovers(path.replace(/\[\d+\]/g, "[*]"), entry);
}

function valueAt(obj: unknown, path: string): unknown {
  let v = obj;
  for (const s of segments(path)) {
    if (v === undefined || v === null) return undefined;
    v = (v as Record<string, unknown>)[s.startsWith("[") ? s.slice(1, -1) : s];
  }
  return v;
}

/** The resource as declared in the later run. */
export interface Candidate {
  key: string;
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  opts: SnapshotResource["opts"];
  /** Input property → keys of the resources its value came from. */
  propertyDeps?: Record<string, string[]>;
  /** Replaced whatever its diff (`pulumi up --replace`). */
  forceReplace?: boolean;
}

/** The earlier resource a later one continues: same `type::name`, or one of its aliases. */
export function predecessor(
  before: Map<string, SnapshotResource>,
  c: Pick<Candidate, "key" | "type" | "name" | "opts">,
): SnapshotResource | undefined {
  const direct = before.get(c.key);
  if (direct) return direct;
  for (const a of c.opts.aliases ?? []) {
    const found = before.get("urn" in a ? keyOfUrn(a.urn) : `${a.type ?? c.type}::${a.name ?? c.name}`);
    if (found) return found;
  }
  return undefined;
}

/** One resource's step: what changed, and whether the change updates or replaces it. */
export function diffResource(
  before: SnapshotResource | undefined,
  after: Candidate,
  table: Record<string, TypeRule> = REPLACE_TABLE,
  renewed: ReadonlySet<string> = new Set(),
): PlanRow {
  const rule = table[after.type];
  const row: PlanRow = {
    key: after.key,
    type: after.type,
    name: after.name,
    action: "same",
    reasons: [],
    ignored: [],
    notes: [],
    dataLoss: false,
    recomputed: [],
  };
  if (!after.custom) return row;
  if (!rule) row.untabled = true;
  const held = dataBearing(after.type, before?.inputs ?? after.inputs);
  if (held) row.dataBearing = held;
  if (!before) {
    row.action = "create";
    row.recomputed = ["*"];
    return row;
  }

  const ignore = after.opts.ignoreChanges ?? [];
  for (const path of changedPaths(before.inputs, after.inputs)) {
    if (rule?.diffIgnores?.some((p) => patternCovers(p, path))) continue;
    if (ignore.some((p) => patternCovers(p, path))) {
      row.ignored.push(path);
      continue;
    }
    const replaces =
      rule?.anyChangeReplaces ||
      rule?.forceNew.some((e) => forcesNew(e, path)) ||
      (after.opts.replaceOnChanges ?? []).some((p) => patternCovers(p, path) || p === "*");
    const reason: ChangeReason = { path, effect: replaces ? "replace" : "update" };
    // A placeholder in the value names its source. A digest derived from one (a bundle hash) hides it: then the
    // property's dependencies on resources whose outputs change tell where the value comes from.
    // Dependencies already shown by a placeholder elsewhere in the property (triggers[0] = the instance id)
    // explain that element, not this one.
    const value = valueAt(after.inputs, path);
    const from = pendingSources(value);
    const top = segments(path)[0] ?? "";
    const shown = new Set(pendingSources(after.inputs[top]).map((s) => s.split(".")[0]));
    const via = (after.propertyDeps?.[top] ?? []).filter(
      (k: string) => renewed.has(k) && !shown.has(slug(k.split("::").pop() ?? "")),
    );
    if (from.length) reason.unknownFrom = from.join(", ");
    else if (via.length && typeof value === "string" && /^[0-9a-f]{32,}$/.test(value)) {
      reason.unknownFrom = via.map((k: string) => k.split("::").pop()).join(", ");
    }
    row.reasons.push(reason);
  }
  const custom = rule?.replaceIf?.(before.inputs, after.inputs);
  if (custom) row.reasons.push({ path: custom, effect: "replace" });
  if (after.forceReplace) row.reasons.push({ path: "--replace", effect: "replace" });

  if (!row.reasons.length) return row;
  row.action = row.reasons.some((r) => r.effect === "replace") ? "replace" : "update";
  if (row.action === "replace") {
    row.recomputed = ["*"];
    if (row.ignored.length) {
      row.notes.push(
        `ignoreChanges: the replacement keeps the old ${row.ignored.join(", ")} (the engine restores ignored ` +
          "inputs from state before it diffs or creates)",
      );
    }
    if (after.opts.deleteBeforeReplace) row.notes.push("deleteBeforeReplace: the old one is deleted first");
    else if (rule?.replaceNeedsDeleteFirst) {
      row.failsOnApply = `needs deleteBeforeReplace: ${rule.replaceNeedsDeleteFirst}`;
    }
  } else {
    const changed = row.reasons.map((r) => r.path);
    for (const rc of rule?.recomputeOnUpdate ?? []) {
      if (!rc.when.length || changed.some((p) => rc.when.some((w) => patternCovers(w, p)))) {
        row.recomputed.push(...rc.outputs.filter((o) => !row.recomputed.includes(o)));
        row.notes.push(rc.why);
      }
    }
    if (rule?.updateNote) row.notes.push(rule.updateNote);
  }
  markLoss(row, before);
  return row;
}

function markLoss(row: PlanRow, before: SnapshotResource): void {
  const destroys = row.action === "replace" || row.action === "delete";
  if (!destroys) return;
  if (before.opts.protect) {
    row.failsOnApply = `protected: pulumi up stops instead of ${row.action === "replace" ? "replacing" : "deleting"} it`;
  }
  if (!row.dataBearing) return;
  if (row.action === "delete" && before.opts.retainOnDelete) {
    row.notes.push("retainOnDelete: left in the account, dropped from the stack");
    return;
  }
  row.dataLoss = true;
  if (row.action === "replace" && before.opts.retainOnDelete) {
    row.notes.push("retainOnDelete keeps the old one, but the stack moves to a new, empty one");
  }
}

/** The inputs the engine works with: ignored paths set back to their values in state (step_generator.go). */
export function effectiveInputs(before: SnapshotResource | undefined, after: Candidate): Record<string, unknown> {
  if (!before) return after.inputs;
  const out = structuredClone(after.inputs);
  for (const pattern of after.opts.ignoreChanges ?? []) {
    for (const path of changedPaths(before.inputs, after.inputs).filter((p) => patternCovers(pattern, p))) {
      const segs = segments(path).map((s) => (s.startsWith("[") ? s.slice(1, -1) : s));
      let target = out as Record<string, unknown>;
      for (const s of segs.slice(0, -1)) target = (target[s] ??= {}) as Record<string, unknown>;
      target[segs[segs.length - 1]] = valueAt(before.inputs, path);
    }
  }
  return out;
}

/**
 * A computed output of a new resource as the program sees it at preview: a placeholder naming it. A PEM (a new key
 * or certificate) keeps the mock's, since the program parses it (a fingerprint) where a real preview would skip an
 * unknown value; a URL (an endpoint) stays URL-shaped, the placeholder as its host, for code that checks its form.
 */
function atPreview(name: string, output: string, v: unknown): unknown {
  if (typeof v !== "string" || v.includes("-----BEGIN")) return v;
  return /^https?:\/\//.test(v) ? `https://${placeholder(name, output)}/` : placeholder(name, output);
}

/**
 * The id and state a replaced, created or updated resource shows at preview: computed outputs that change
 * become placeholders; unchanged ones keep their earlier values.
 */
export function previewAnswer(
  before: SnapshotResource | undefined,
  after: Candidate,
  fallback: { id: string; state: Record<string, unknown> },
  table: Record<string, TypeRule> = REPLACE_TABLE,
  renewed: ReadonlySet<string> = new Set(),
): { id: string; state: Record<string, unknown>; row: PlanRow } {
  const row = diffResource(before, after, table, renewed);
  if (!after.custom) return { ...fallback, row };
  const inputs = effectiveInputs(before, after);
  if (!before || row.action === "replace" || row.action === "create") {
    const state: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fallback.state))
      state[k] = k in inputs ? inputs[k] : atPreview(after.name, k, v);
    return { id: placeholder(after.name, "id"), state, row };
  }
  const computed = { ...before.computed };
  for (const o of row.recomputed) {
    // Strings and numbers (a launch template's latestVersion) alike: at preview the value is unknown.
    if (typeof computed[o] === "string" || typeof computed[o] === "number") computed[o] = placeholder(after.name, o);
  }
  return { id: before.id, state: { ...computed, ...inputs }, row };
}

/** The whole plan between two runs: every resource of the later run, then those it no longer declares. */
export function computePlan(before: Snapshot, after: Snapshot, table: Record<string, TypeRule> = REPLACE_TABLE): Plan {
  const byKey = new Map(before.resources.map((r) => [r.key, r]));
  const continued = new Set<string>();
  const renewed = new Set<string>();
  const rows: PlanRow[] = [];
  for (const r of after.resources) {
    const prev = predecessor(byKey, r);
    if (prev) continued.add(prev.key);
    const row = diffResource(prev, r, table, renewed);
    if (row.recomputed.length) renewed.add(r.key);
    rows.push(row);
  }
  for (const r of before.resources) {
    if (continued.has(r.key) || !r.custom) continue;
    const row: PlanRow = {
      key: r.key,
      type: r.type,
      name: r.name,
      action: "delete",
      reasons: [{ path: "no longer declared", effect: "replace" }],
      ignored: [],
      notes: [],
      dataLoss: false,
      recomputed: [],
    };
    const held = dataBearing(r.type, r.inputs);
    if (held) row.dataBearing = held;
    markLoss(row, r);
    rows.push(row);
  }
  return { stack: after.stack, rows, outputs: diffOutputs(before, after) };
}

function diffOutputs(before: Snapshot, after: Snapshot): OutputChange[] {
  const names = [...new Set([...Object.keys(before.outputs), ...Object.keys(after.outputs)])].sort();
  return names.map((name) => {
    const [b, a] = [before.outputs[name], after.outputs[name]];
    const change: OutputChange["change"] = !b
      ? "added"
      : !a
        ? "removed"
        : a.unknown
          ? "unknown"
          : a.sha256 === b.sha256
            ? "same"
            : "changed";
    return { name, change };
  });
}

/** The plan's rows that would lose data. */
export const dataLossRows = (plan: Plan): PlanRow[] => plan.rows.filter((r) => r.dataLoss);
