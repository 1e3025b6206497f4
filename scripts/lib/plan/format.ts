/** The plan as text for a terminal (pure). Property paths and resource names only: never a value. */
import type { ChangeReason, Plan, PlanRow } from "./types";

/** `aws:ec2/instance:Instance` → `aws:Instance`; `command:remote:Command` → `command:Command`. */
export const shortType = (type: string) => `${type.split(":")[0]}:${type.split(":").pop()}`;

function reasonText(r: ChangeReason): string {
  const effect = r.effect === "replace" ? "forces replacement" : "changes";
  return `${r.path} ${effect}${r.unknownFrom ? ` (known after apply: ${r.unknownFrom})` : ""}`;
}

/** One line of reasons per row: the replacing ones first, at most `max`. */
export function rowReason(row: PlanRow, max = 3): string {
  const sorted = [...row.reasons].sort((a, b) => (a.effect === b.effect ? 0 : a.effect === "replace" ? -1 : 1));
  const shown = sorted.slice(0, max).map(reasonText);
  if (sorted.length > max) shown.push(`and ${sorted.length - max} more`);
  if (!shown.length && row.action === "create") shown.push("new in the program");
  return shown.join("; ");
}

/** A row in one line for a test's failure message: name, type, action, the changed paths and why apply stops. */
export const rowSummary = (r: PlanRow) =>
  `${r.name} (${r.type}) ${r.action}: ${r.reasons.map((x) => x.path).join(", ")}${r.failsOnApply ? ` [${r.failsOnApply}]` : ""}`;

export function rowFlags(row: PlanRow): string {
  return [row.dataLoss ? "DATA LOSS" : "", row.failsOnApply ? "FAILS" : ""].filter(Boolean).join(" ");
}

/** The plan table: changed resources (same ones counted), their notes, then the stack outputs that change. */
export function formatPlan(plan: Plan, title: string): string {
  const changed = plan.rows.filter((r) => r.action !== "same");
  // Unchanged rows are listed too when the program ignores a change (ignoreChanges): the user should see it.
  const shown = plan.rows.filter((r) => r.action !== "same" || r.ignored.length);
  const header = ["RESOURCE", "TYPE", "ACTION", "FLAGS", "REASON"];
  const cells = shown.map((r) => [r.name, shortType(r.type), r.action, rowFlags(r), rowReason(r)]);
  const width = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(width[i])))
      .join("  ")
      .trimEnd();
  const out = [title, "", line(header)];
  shown.forEach((r, i) => {
    out.push(line(cells[i]));
    const indent = " ".repeat(width[0] + 2);
    if (r.dataLoss && r.dataBearing) out.push(`${indent}data: ${r.dataBearing}`);
    if (r.failsOnApply) out.push(`${indent}fails: ${r.failsOnApply}`);
    for (const n of r.notes) out.push(`${indent}note: ${n}`);
    if (r.ignored.length)
      out.push(`${indent}ignored (ignoreChanges, the value in state is kept): ${r.ignored.join(", ")}`);
    if (r.untabled) out.push(`${indent}note: no replace-on-change table for this type: update vs replace unknown`);
  });
  const same = plan.rows.length - changed.length;
  out.push("", `${changed.length} to change, ${same} unchanged.`);
  const outputs = plan.outputs.filter((o) => o.change !== "same");
  if (outputs.length) {
    out.push("", "Stack outputs:");
    for (const o of outputs)
      out.push(`  ${o.name}: ${o.change === "unknown" ? "known after apply (changes)" : o.change}`);
  }
  const loss = changed.filter((r) => r.dataLoss);
  out.push(
    "",
    loss.length
      ? `DATA LOSS: ${loss.length} data-bearing resource(s) would be replaced or deleted: ${loss.map((r) => r.name).join(", ")}`
      : "No data-bearing resource is replaced or deleted.",
  );
  return out.join("\n");
}
