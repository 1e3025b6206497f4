/** Mock-level (Pulumi mocks, no AWS): dev's monitoring is one host without a workspace (prod: monitoring-ha.test.ts). */
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runStack, type StackRun } from "../../scripts/lib/program-mocks";
import { SG_RULE, shippedConfig as shipped } from "../helpers/shipped-config";

let dev: StackRun;

beforeAll(async () => {
  dev = await runStack("dev");
}, 120_000);

describe("dev monitoring: one host, no workspace (mock-level)", () => {
  it("has a single monitoring host, no workspace, no peer rules, no replica label or remote write", async () => {
    expect(dev.byType("aws:ec2/instance:Instance").filter((i) => i.name.includes("-monitoring"))).toHaveLength(1);
    expect(dev.byType("aws:amp/workspace:Workspace")).toEqual([]);
    expect(dev.byType(SG_RULE).filter((r) => /-from-/.test(r.name))).toEqual([]);
    const prom = parse((await shipped(dev, "monitoring"))["prometheus/prometheus.yml"]);
    expect(prom.global.external_labels).toEqual({ stack: "dev" });
    expect(prom.remote_write).toBeUndefined();
    expect(await dev.output("managedPrometheusRemoteWriteUrl")).toBeUndefined();
  });
});
