/** The mapping's entries as member references, with the list members implied by mapped list elements. */
import type { MemberRef } from "./mapping";

/** How a member is keyed in constraints.json: `<service> <Operation>.<member path>`. */
export const memberKey = (service: string, ref: string): string => `${service} ${ref}`;

export const refOf = (v: string | MemberRef): MemberRef => (typeof v === "string" ? { member: v } : v);

/**
 * The table with, for each mapped path whose lists line up with the member's (`rules[].name` ↔ `Rules[].Name`),
 * the lists themselves (`rules` ↔ `Rules`), so a list input is also held to its list member's length.
 */
export function withListMembers(members: Record<string, string | MemberRef>): Record<string, MemberRef> {
  const out: Record<string, MemberRef> = {};
  for (const [path, v] of Object.entries(members)) out[path] = refOf(v);
  for (const [path, v] of Object.entries(members)) {
    const ref = refOf(v).member;
    const p = path.split("[]");
    const m = ref.split("[]");
    if (p.length < 2 || p.length !== m.length) continue;
    for (let i = 1; i < p.length; i++) {
      const listPath = p.slice(0, i).join("[]");
      out[listPath] ??= { member: m.slice(0, i).join("[]") };
    }
  }
  return out;
}

/** Every member reference a type's mapping needs read from the model. */
export const mappedMembers = (members: Record<string, string | MemberRef>): string[] =>
  Object.values(withListMembers(members)).map((r) => r.member);
