/**
 * Day-2 simulation (not pure: runs the program twice per change in child processes, under Pulumi mocks).
 *
 *   const { plan } = await simulate("dev", ["ami"]);
 *   const byChange = await simulateEach("prod", CHANGES); // one plan per change, shared "before" runs
 */
import { join } from "node:path";
import { runJsonInChild } from "../child-run";
import type { CaptureRequest } from "./capture";
import type { Environment } from "../../../components/config/environments";
import type { ChangeId } from "./changes";
import { computePlan } from "./plan";
import type { Plan, Snapshot } from "./types";

const MAIN = join(__dirname, "capture-main.ts");

export interface Simulation {
  stack: Environment;
  changes: ChangeId[];
  before: Snapshot;
  after: Snapshot;
  plan: Plan;
}

/** One run in a fresh Node process (the Pulumi runtime cannot be reset in-process). */
export function captureInChild(req: CaptureRequest): Promise<Snapshot> {
  return runJsonInChild<CaptureRequest, Snapshot>(
    MAIN,
    req,
    `mock run of ${req.stack} (${req.phase}: ${req.changes.join(", ")})`,
  );
}

/** Run async jobs at most `limit` at a time. */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

/** All changes at once: the plan of one `pulumi up` after all of them happened. */
export async function simulate(stack: Environment, changes: ChangeId[]): Promise<Simulation> {
  const before = await captureInChild({ stack, changes, phase: "before" });
  const after = await captureInChild({ stack, changes, phase: "after", before });
  return { stack, changes, before, after, plan: computePlan(before, after) };
}

/** Each change on its own (befores that are alike are run once). */
export async function simulateEach(
  stack: Environment,
  changes: readonly ChangeId[],
  concurrency = 2,
): Promise<Map<ChangeId, Simulation>> {
  // Only the token rotation changes the "before" config (it sets the password being rotated).
  const beforeOf = (c: ChangeId): ChangeId[] => (c === "token" ? ["token"] : []);
  const beforeKeys = [...new Set(changes.map((c) => beforeOf(c).join(",")))];
  const befores = await pool(
    beforeKeys.map(
      (k) => () => captureInChild({ stack, changes: (k ? k.split(",") : []) as ChangeId[], phase: "before" }),
    ),
    concurrency,
  );
  const beforeFor = (c: ChangeId) => befores[beforeKeys.indexOf(beforeOf(c).join(","))];
  const afters = await pool(
    changes.map((c) => () => captureInChild({ stack, changes: [c], phase: "after", before: beforeFor(c) })),
    concurrency,
  );
  return new Map(
    changes.map((c, i) => {
      const before = beforeFor(c);
      return [c, { stack, changes: [c], before, after: afters[i], plan: computePlan(before, afters[i]) }];
    }),
  );
}
