/**
 * Reads one member's constraints out of a Smithy JSON model (the form of aws/api-models-aws): follows
 * `<Operation>.<member path>` from the operation's input structure through structures (`.Name`), lists (`[]`) and
 * maps (`{key}`, `{value}`), and returns the traits AWS validates requests against: `smithy.api#pattern`,
 * `smithy.api#length`, `smithy.api#range` and the enum's values. Member traits override the target shape's.
 */

export interface SmithyModel {
  shapes: Record<string, SmithyShape>;
}
interface SmithyRef {
  target: string;
  traits?: Record<string, unknown>;
}
interface SmithyShape {
  type: string;
  input?: { target: string };
  members?: Record<string, SmithyRef>;
  member?: SmithyRef;
  key?: SmithyRef;
  value?: SmithyRef;
  traits?: Record<string, unknown>;
}

export interface Bounds {
  min?: number;
  max?: number;
}

/** What the model says of one member: its shape and the constraints AWS checks. */
export interface MemberConstraint {
  /** The Smithy shape the member targets (e.g. com.amazonaws.wafv2#EntityDescription). */
  shape: string;
  /** Smithy type: string, integer, long, double, list, map, enum, intEnum, … */
  type: string;
  pattern?: string;
  length?: Bounds;
  range?: Bounds;
  enum?: (string | number)[];
}

/** Split `Rules[].Statement.Tags{key}` into steps: names, `[]`, `{key}`, `{value}`. */
export function memberSteps(path: string): string[] {
  const steps: string[] = [];
  for (const part of path.split(".")) {
    const m = /^([^[{]+)((?:\[\]|\{key\}|\{value\})*)$/.exec(part);
    if (!m) throw new Error(`bad member path segment "${part}" in ${path}`);
    steps.push(m[1], ...(m[2].match(/\[\]|\{key\}|\{value\}/g) ?? []));
  }
  return steps;
}

/** The constraints of `<Operation>.<member path>` in a model; throws when the path does not exist there. */
export function resolveMember(model: SmithyModel, ref: string): MemberConstraint {
  const [operation, ...rest] = memberSteps(ref);
  const opId = Object.keys(model.shapes).find(
    (id) => id.endsWith(`#${operation}`) && model.shapes[id].type === "operation",
  );
  if (!opId) throw new Error(`${ref}: no operation ${operation} in the model`);
  const input = model.shapes[opId].input?.target;
  if (!input) throw new Error(`${ref}: ${operation} takes no input`);
  let id = input;
  let memberTraits: Record<string, unknown> = {};
  for (const step of rest) {
    const shape = model.shapes[id];
    if (!shape) throw new Error(`${ref}: shape ${id} is not in the model`);
    let next: SmithyRef | undefined;
    if (step === "[]") next = shape.type === "list" || shape.type === "set" ? shape.member : undefined;
    else if (step === "{key}") next = shape.type === "map" ? shape.key : undefined;
    else if (step === "{value}") next = shape.type === "map" ? shape.value : undefined;
    else next = shape.members?.[step];
    if (!next) throw new Error(`${ref}: ${id} (${shape.type}) has no ${step}`);
    id = next.target;
    memberTraits = next.traits ?? {};
  }
  const target = model.shapes[id];
  // Prelude targets (smithy.api#String, #Integer, …) are not in the model.
  const type = target?.type ?? id.replace(/^smithy\.api#/, "").toLowerCase();
  const traits = { ...(target?.traits ?? {}), ...memberTraits };
  const out: MemberConstraint = { shape: id, type };
  if (typeof traits["smithy.api#pattern"] === "string") out.pattern = traits["smithy.api#pattern"];
  if (traits["smithy.api#length"]) out.length = traits["smithy.api#length"] as Bounds;
  if (traits["smithy.api#range"]) out.range = traits["smithy.api#range"] as Bounds;
  if ((type === "enum" || type === "intEnum") && target?.members) {
    out.enum = Object.entries(target.members).map(
      ([name, m]) => (m.traits?.["smithy.api#enumValue"] as string | number | undefined) ?? name,
    );
  } else if (Array.isArray(traits["smithy.api#enum"])) {
    // Smithy 1.0 enums: a trait on a string shape.
    out.enum = (traits["smithy.api#enum"] as { value: string }[]).map((e) => e.value);
  }
  return out;
}
