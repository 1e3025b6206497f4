/**
 * Scale-out, simulated (mock-level: Pulumi mocks, no AWS, no engine): a stack running one monitoring host turns on
 * the HA pair and the managed workspace (monitoringReplicas 1 → 2, managedPrometheus false → true). What runs
 * must stay: the plan (scripts/lib/plan, from the providers' cited replace-on-change tables) may create the second
 * host, its rules and the workspace, and update what changes in place, but replace or delete nothing. (It caught
 * the first host's security group being replaced for a new description.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { simulate, type Simulation } from "../../scripts/lib/plan/simulate";
import { rowSummary } from "../../scripts/lib/plan/format";

const describeRow = rowSummary;

describe("dev grows a monitoring pair and a managed workspace (mock-level: Pulumi mocks, no AWS)", () => {
  let sim: Simulation;
  beforeAll(async () => {
    sim = await simulate("dev", ["monitoring-pair"]);
  }, 300_000);

  it("nothing that runs is replaced or deleted (the first host's setup steps re-run: that is how a new bundle applies), and no data is lost", () => {
    const rows = sim.plan.rows;
    const rerun = rows.filter((r) => r.type === "command:remote:Command" && r.action === "replace");
    expect(rerun.map((r) => r.name).sort()).toEqual([
      "observed-app-dev-monitoring-apply",
      "observed-app-dev-monitoring-bundle",
    ]);
    expect(
      rows.filter((r) => !rerun.includes(r) && (r.action === "replace" || r.action === "delete")).map(describeRow),
    ).toEqual([]);
    expect(rows.filter((r) => r.dataLoss).map(describeRow)).toEqual([]);
  });

  it("the second host, its volume, the peer rules and the workspace are created; only the first host's role changes in place", () => {
    const created = sim.plan.rows.filter((r) => r.action === "create").map((r) => r.name);
    expect(created).toEqual(
      expect.arrayContaining([
        "observed-app-dev-monitoring-b-host",
        "observed-app-dev-monitoring-b-data",
        "observed-app-dev-monitoring-from-b-gossip-udp",
        "observed-app-dev-monitoring-b-from-a-alerts",
        "observed-app-dev-monitoring-amp",
      ]),
    );
    // In place: the first host's role gains the workspace's permissions; its instance, group and rules stay.
    expect(sim.plan.rows.filter((r) => r.action === "update").map((r) => r.name)).toEqual([
      "observed-app-dev-monitoring-role",
    ]);
  });
});
