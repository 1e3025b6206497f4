/**
 * npm run plan-check -- --stack dev|prod [--change ami|token|bundle|volume|image|instance-type|all]
 *
 * Mock-level day-2 plan: runs the program under Pulumi mocks before and after the chosen change(s) and prints
 * what `pulumi up` would do to each resource (from the cited replace-on-change tables in scripts/lib/plan/),
 * flagging data-bearing resources that would be replaced or deleted. Exits 1 when data would be lost, 2 on bad
 * arguments. No AWS, no Pulumi engine: it proves what the program declares, not what AWS will do.
 */
import { parseFlags } from "./lib/cli";
import { ENVIRONMENTS } from "../components/config/environments";
import { CHANGES, CHANGE_TITLES, parseChanges, parseStack } from "./lib/plan/changes";
import { formatPlan } from "./lib/plan/format";
import { dataLossRows } from "./lib/plan/plan";
import { simulate } from "./lib/plan/simulate";

const usage = `usage: npm run plan-check -- --stack ${ENVIRONMENTS.join("|")} [--change ${CHANGES.join("|")}|all]`;

async function main(): Promise<number> {
  const values = parseFlags({ stack: { type: "string" }, change: { type: "string", default: "all" } }, usage);
  if (typeof values === "number") return values;
  let stack, changes;
  try {
    stack = parseStack(values.stack);
    changes = parseChanges(values.change ?? "all");
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  const { plan } = await simulate(stack, changes);
  const title = [
    `plan-check (mock-level: Pulumi mocks, no AWS) for stack ${stack}, after:`,
    ...changes.map((c) => `  - ${c}: ${CHANGE_TITLES[c]}`),
  ].join("\n");
  console.log(formatPlan(plan, title));
  return dataLossRows(plan).length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(3);
  },
);
