/** Shared by the provider-contract suites: one stack per test file, since the Pulumi runtime is process-global. */
import { expect } from "vitest";
import { runStack } from "../../scripts/lib/program-mocks";
import { checkContracts, CONTRACT_RULES } from "../../testkit/provider-contracts";
import type { Environment } from "../../components/config";

/** Run a stack under mocks and check every resource the rules cover. */
export async function expectNoViolation(stack: Environment): Promise<void> {
  const run = await runStack(stack);
  const checked = run.resources.filter((r) => CONTRACT_RULES.some((rule) => rule.types.includes(r.type)));
  expect(checked.length).toBeGreaterThan(30);
  expect(checkContracts(run.resources)).toEqual([]);
}
