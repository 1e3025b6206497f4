/**
 * The day-2 planner on fixtures (pure: no program run). Each rule the plan applies has a case that trips it.
 */
import { describe, expect, it } from "vitest";
import { nextSize, parseChanges, parseStack, runSpec } from "../../scripts/lib/plan/changes";
import { formatPlan } from "../../scripts/lib/plan/format";
import {
  changedPaths,
  computePlan,
  diffResource,
  effectiveInputs,
  patternCovers,
  pendingSources,
  placeholder,
  previewAnswer,
  type Candidate,
} from "../../scripts/lib/plan/plan";
import { REPLACE_TABLE } from "../../scripts/lib/plan/table";
import type { Snapshot, SnapshotResource } from "../../scripts/lib/plan/types";

function res(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  more: Partial<SnapshotResource> = {},
): SnapshotResource {
  return {
    key: `${type}::${name}`,
    type,
    name,
    custom: true,
    id: `${name}-id`,
    inputs,
    computed: {},
    opts: { dependsOn: [] },
    propertyDeps: {},
    ...more,
  };
}
const next = (
  r: SnapshotResource,
  inputs: Record<string, unknown>,
  more: Partial<SnapshotResource> = {},
): Candidate => ({
  ...r,
  inputs: { ...r.inputs, ...inputs },
  ...more,
  opts: { ...r.opts, ...more.opts },
});

const INSTANCE = "aws:ec2/instance:Instance";
const VOLUME = "aws:ebs/volume:Volume";
const ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment";
const COMMAND = "command:remote:Command";

describe("day-2 planner (pure, fixtures)", () => {
  it("a property the provider marks ForceNew replaces; others update", () => {
    const host = res(INSTANCE, "host", { ami: "ami-1", instanceType: "t4g.small" });
    expect(diffResource(host, next(host, { ami: "ami-2" })).action).toBe("replace");
    const resized = diffResource(host, next(host, { instanceType: "t4g.medium" }));
    expect(resized.action).toBe("update");
    expect(resized.recomputed).toEqual(["publicIp", "publicDns"]);
    expect(diffResource(host, next(host, {})).action).toBe("same");
  });

  it("nested and list paths: an inline EBS device's size replaces the instance, a root volume's size does not", () => {
    const host = res(INSTANCE, "host", {
      ebsBlockDevices: [{ deviceName: "/dev/sdf", volumeSize: 10 }],
      rootBlockDevice: { volumeSize: 16 },
    });
    const grown = diffResource(host, next(host, { ebsBlockDevices: [{ deviceName: "/dev/sdf", volumeSize: 20 }] }));
    expect(grown.reasons).toEqual([{ path: "ebsBlockDevices[0].volumeSize", effect: "replace" }]);
    expect(grown.dataLoss).toBe(true);
    const added = diffResource(host, next(host, { ebsBlockDevices: [{ deviceName: "/dev/sdf", volumeSize: 10 }, {}] }));
    expect(added.action).toBe("replace");
    expect(diffResource(host, next(host, { rootBlockDevice: { volumeSize: 32 } })).action).toBe("update");
    expect(patternCovers("ebsBlockDevices[*].volumeSize", "ebsBlockDevices[3].volumeSize")).toBe(true);
    expect(patternCovers("tags", "tags.Name")).toBe(true);
    expect(patternCovers("tags.Name", "tags")).toBe(false);
  });

  it("ignoreChanges keeps the old value: no replacement, the path is reported as ignored", () => {
    const host = res(INSTANCE, "host", { ami: "ami-1" }, { opts: { dependsOn: [], ignoreChanges: ["ami"] } });
    const row = diffResource(host, next(host, { ami: "ami-2" }));
    expect(row).toMatchObject({ action: "same", ignored: ["ami"] });
    // ...also when the resource is replaced for another reason: the engine restores ignored inputs from state.
    const replaced = next(host, { ami: "ami-2", subnetId: "subnet-2" });
    expect(diffResource(host, replaced).notes.join()).toMatch(/replacement keeps the old ami/);
    expect(effectiveInputs(host, replaced)).toEqual({ ami: "ami-1", subnetId: "subnet-2" });
    expect(previewAnswer(host, replaced, { id: "x", state: { ami: "ami-2" } }).state.ami).toBe("ami-1");
  });

  it("replaceOnChanges and anyChangeReplaces force replacement", () => {
    const sg = res("aws:ec2/securityGroup:SecurityGroup", "sg", { tags: { a: "1" } });
    expect(diffResource(sg, next(sg, { tags: { a: "2" } })).action).toBe("update");
    const strict = next(sg, { tags: { a: "2" } }, { opts: { dependsOn: [], replaceOnChanges: ["tags"] } });
    expect(diffResource(sg, strict).action).toBe("replace");
    const pw = res("random:index/randomPassword:RandomPassword", "pw", { length: 24 });
    expect(diffResource(pw, next(pw, { length: 32 })).action).toBe("replace");
  });

  it("data-bearing: replace is DATA LOSS even when retained; delete of a retained one is not", () => {
    const vol = res(VOLUME, "data", { availabilityZone: "eu-west-1a", size: 20 });
    expect(diffResource(vol, next(vol, { size: 30 }))).toMatchObject({ action: "update", dataLoss: false });
    const moved = diffResource(vol, next(vol, { availabilityZone: "eu-west-1b" }));
    expect(moved).toMatchObject({ action: "replace", dataLoss: true, dataBearing: "EBS volume" });
    const kept = res(VOLUME, "data", vol.inputs, { opts: { dependsOn: [], retainOnDelete: true, protect: true } });
    const keptMoved = diffResource(kept, next(kept, { availabilityZone: "eu-west-1b" }));
    expect(keptMoved.dataLoss).toBe(true);
    expect(keptMoved.failsOnApply).toMatch(/protected/);
    const gone = computePlan(snap([kept]), snap([]));
    expect(gone.rows).toMatchObject([{ action: "delete", dataLoss: false }]);
    expect(computePlan(snap([vol]), snap([])).rows).toMatchObject([{ action: "delete", dataLoss: true }]);
  });

  it("a replaced attachment without deleteBeforeReplace fails on apply; with it, it is noted", () => {
    const att = res(ATTACHMENT, "att", { instanceId: "i-1", volumeId: "vol-1", deviceName: "/dev/sdf" });
    expect(diffResource(att, next(att, { instanceId: "i-2" })).failsOnApply).toMatch(/VolumeInUse/);
    const dbr = next(att, { instanceId: "i-2" }, { opts: { dependsOn: [], deleteBeforeReplace: true } });
    const row = diffResource(att, dbr);
    expect(row.failsOnApply).toBeUndefined();
    expect(row.notes.join()).toMatch(/deleted first/);
  });

  it("remote commands: triggers replace, create changes update (re-run), CopyToRemote's update is noted", () => {
    const cmd = res(COMMAND, "step", { create: "a", triggers: ["x"] });
    expect(diffResource(cmd, next(cmd, { triggers: ["y"] })).action).toBe("replace");
    expect(diffResource(cmd, next(cmd, { create: "b" }))).toMatchObject({
      action: "update",
      recomputed: ["stdout", "stderr"],
    });
    const copy = res("command:remote:CopyToRemote", "copy", { connection: { host: "1.2.3.4" }, triggers: [] });
    const moved = diffResource(copy, next(copy, { connection: { host: "5.6.7.8" } }));
    expect(moved.action).toBe("update");
    expect(moved.notes.join()).toMatch(/a new host with the same source gets nothing/);
  });

  it("preview: a replaced resource's computed outputs become placeholders; an unchanged one keeps them", () => {
    const host = res(INSTANCE, "app-host", { ami: "ami-1" }, { computed: { publicIp: "203.0.113.5", arn: "arn:x" } });
    const fallback = { id: "app-host-id", state: { ami: "ami-2", publicIp: "203.0.113.9", arn: "arn:y" } };
    const replaced = previewAnswer(host, next(host, { ami: "ami-2" }), fallback);
    expect(replaced.id).toBe(placeholder("app-host", "id"));
    expect(replaced.state).toEqual({
      ami: "ami-2",
      publicIp: placeholder("app-host", "publicIp"),
      arn: placeholder("app-host", "arn"),
    });
    const same = previewAnswer(host, next(host, {}), fallback);
    expect(same).toMatchObject({ id: "app-host-id", state: { ami: "ami-1", publicIp: "203.0.113.5" } });
    const resized = previewAnswer(host, next(host, { instanceType: "t4g.large" }), fallback);
    expect(resized.state.publicIp).toBe(placeholder("app-host", "publicIp"));
    expect(resized.state.arn).toBe("arn:x");
  });

  it("a value derived from a placeholder is unknown and names its source; a digest of one names the dependency", () => {
    const url = `http://${placeholder("app-host", "publicIp")}:3000/health`;
    expect(pendingSources({ a: [url] })).toEqual(["app-host.publicip"]);
    const att = res(ATTACHMENT, "att", { instanceId: "i-1", volumeId: "v", deviceName: "d" });
    const row = diffResource(att, next(att, { instanceId: placeholder("mon-host", "id") }));
    expect(row.reasons[0]).toMatchObject({ path: "instanceId", unknownFrom: "mon-host.id" });
    const apply = res(COMMAND, "apply", { triggers: ["a".repeat(64)] });
    const hashed = next(
      apply,
      { triggers: ["b".repeat(64)] },
      { propertyDeps: { triggers: [`${INSTANCE}::app-host`] } },
    );
    expect(diffResource(apply, hashed, REPLACE_TABLE, new Set([`${INSTANCE}::app-host`])).reasons[0].unknownFrom).toBe(
      "app-host",
    );
  });

  it("aliases carry a resource over a rename; unknown types are flagged; components are never diffed", () => {
    const old = res(VOLUME, "old-name", { availabilityZone: "a" });
    const renamed = res(
      VOLUME,
      "new-name",
      { availabilityZone: "a" },
      { opts: { dependsOn: [], aliases: [{ name: "old-name" }] } },
    );
    expect(computePlan(snap([old]), snap([renamed])).rows.map((r) => r.action)).toEqual(["same"]);
    expect(
      computePlan(snap([old]), snap([res(VOLUME, "new-name", { availabilityZone: "a" })])).rows.map((r) => r.action),
    ).toEqual(["create", "delete"]);
    const odd = res("acme:index:Thing", "t", { a: 1 });
    expect(diffResource(odd, next(odd, { a: 2 })).untabled).toBe(true);
    const comp = res("observed-app:index:ObservedApp", "app", {}, { custom: false });
    expect(diffResource(undefined, comp).action).toBe("same");
  });

  it("stack outputs: same, changed, or known only after apply", () => {
    const b = snap([], {
      a: { sha256: "1", unknown: false },
      b: { sha256: "1", unknown: false },
      c: { sha256: "1", unknown: false },
    });
    const a = snap([], {
      a: { sha256: "1", unknown: false },
      b: { sha256: "2", unknown: false },
      c: { sha256: "3", unknown: true },
    });
    expect(computePlan(b, a).outputs).toEqual([
      { name: "a", change: "same" },
      { name: "b", change: "changed" },
      { name: "c", change: "unknown" },
    ]);
  });

  it("the printed plan names properties, never values", () => {
    const cmd = res(COMMAND, "deploy", { stdin: "API_TOKEN=old-secret-value", triggers: ["old-secret-value"] });
    const after = res(COMMAND, "deploy", { stdin: "API_TOKEN=new-secret-value", triggers: ["new-secret-value"] });
    const text = formatPlan(computePlan(snap([cmd]), snap([after])), "t");
    expect(text).toMatch(/deploy +command:Command +replace/);
    expect(text).toMatch(/triggers\[0\] forces replacement/);
    expect(text).not.toMatch(/secret-value/);
  });

  it("changes: arguments are checked and name what is allowed; sizes and volumes grow from the stack's own config", () => {
    expect(() => parseStack("qa")).toThrow("--stack qa: allowed: dev, prod");
    expect(() => parseChanges("ami,kernel")).toThrow(/unknown change kernel; allowed: ami, token, .*, all/);
    expect(parseChanges("all").length).toBeGreaterThanOrEqual(6);
    expect(nextSize("t4g.small")).toBe("t4g.medium");
    const cfg: Record<string, unknown> = { appDataVolumeGiB: 10, monitoringDataVolumeGiB: 50 };
    expect(runSpec(["volume"], "after", (k) => cfg[k]).config).toEqual({
      appDataVolumeGiB: 20,
      monitoringDataVolumeGiB: 60,
    });
    expect(runSpec(["volume"], "before", (k) => cfg[k]).config).toEqual({});
  });

  it("changedPaths walks objects and lists", () => {
    expect(changedPaths({ a: { b: [1, 2] }, c: 1 }, { a: { b: [1, 3, 4] }, c: 1, d: null })).toEqual([
      "a.b[1]",
      "a.b[2]",
    ]);
  });
});

function snap(resources: SnapshotResource[], outputs: Snapshot["outputs"] = {}): Snapshot {
  return { stack: "dev", resources, outputs };
}
