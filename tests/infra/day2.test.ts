/**
 * Day 2, simulated (mock-level: Pulumi mocks, no AWS, no engine). Each real-life change runs the program twice
 * under mocks - before and after - and the plan (scripts/lib/plan) says what `pulumi up` would do, from the
 * providers' cited replace-on-change tables, with values of replaced resources unknown as at preview.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { AMI_ROLL, CHANGES, NEWER_AMI, ROTATION, type ChangeId } from "../../scripts/lib/plan/changes";
import { rowSummary } from "../../scripts/lib/plan/format";
import { dataLossRows, effectiveInputs } from "../../scripts/lib/plan/plan";
import { simulate, simulateEach, type Simulation } from "../../scripts/lib/plan/simulate";
import { REPLACE_TABLE } from "../../scripts/lib/plan/table";
import type { Snapshot, SnapshotResource } from "../../scripts/lib/plan/types";
import { TEST_API_TOKEN } from "../../scripts/lib/program-mocks";

const INSTANCE = "aws:ec2/instance:Instance";
const VOLUME = "aws:ebs/volume:Volume";
const ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment";
const REMOTE = ["command:remote:Command", "command:remote:CopyToRemote"];
const URL_OUTPUTS = ["appUrl", "grafanaUrl", "prometheusUrl", "alertmanagerUrl", "sshCommand"];

const describeRow = rowSummary;

/**
 * The instance a remote step connects to: the Instance its `connection` input depends on, or the one an Elastic
 * IP it depends on is associated with (EipAssociation: allocationId from the EIP, instanceId from the instance).
 */
function hostOf(step: SnapshotResource, snap: Snapshot): SnapshotResource | undefined {
  const deps = step.propertyDeps.connection ?? [];
  const direct = deps.find((k) => k.startsWith(`${INSTANCE}::`));
  const viaEip = snap.resources
    .filter((r) => r.type === "aws:ec2/eipAssociation:EipAssociation")
    .find((a) => (a.propertyDeps.allocationId ?? []).some((k) => deps.includes(k)))
    ?.propertyDeps.instanceId?.find((k) => k.startsWith(`${INSTANCE}::`));
  return snap.resources.find((r) => r.key === (direct ?? viaEip));
}

describe.each(["dev", "prod"] as const)("day 2 on %s (mock-level: Pulumi mocks, no AWS)", (stack) => {
  let sims: Map<ChangeId, Simulation>;
  let roll: Simulation;
  let base: Snapshot;
  const plan = (c: ChangeId) => sims.get(c)!.plan;
  const rows = (c: ChangeId, type: string) => plan(c).rows.filter((r) => r.type === type);

  beforeAll(async () => {
    sims = await simulateEach(stack, CHANGES);
    base = sims.get("ami")!.before;
    roll = await simulate(stack, AMI_ROLL);
  }, 600_000);

  it("every resource type the program registers has a cited replace-on-change table", () => {
    const types = [...new Set(base.resources.filter((r) => r.custom).map((r) => r.type))].sort();
    expect(types.length).toBeGreaterThan(30);
    expect(types.filter((t) => !REPLACE_TABLE[t]?.source.files.length)).toEqual([]);
    for (const c of CHANGES)
      expect(
        plan(c)
          .rows.filter((r) => r.untabled)
          .map((r) => r.key),
        c,
      ).toEqual([]);
  });

  it.each(CHANGES)("%s: no data-bearing resource is replaced or deleted", (c) => {
    expect(dataLossRows(plan(c)).map((r) => `${describeRow(r)} - ${r.dataBearing}`)).toEqual([]);
  });

  it.each(CHANGES)(
    "%s: pulumi up would not stop halfway (protected replacement, attachment without deleteBeforeReplace)",
    (c) => {
      expect(
        plan(c)
          .rows.filter((r) => r.failsOnApply)
          .map(describeRow),
      ).toEqual([]);
    },
  );

  it("ami: the hosts do not follow the AMI lookup (ignoreChanges: ami, or an AMI pinned in config)", () => {
    const followed = rows("ami", INSTANCE).filter((r) => r.reasons.some((x) => x.path === "ami"));
    expect(followed.map(describeRow)).toEqual([]);
  });

  it("rolling a new AMI the documented way (AMI_ROLL) puts the new AMI on every host (app and the monitoring pair)", () => {
    const hosts = roll.plan.rows.filter((r) => r.type === INSTANCE);
    const instances = roll.before.resources.filter((r) => r.type === INSTANCE);
    expect(instances.length).toBeGreaterThanOrEqual(2);
    expect(hosts.map((r) => r.action)).toEqual(instances.map(() => "replace"));
    // What the engine creates the new instances with: ignored inputs come back from state (step_generator.go).
    const created = roll.after.resources
      .filter((r) => r.type === INSTANCE)
      .map(
        (r) =>
          `${r.name}: ${String(
            effectiveInputs(
              roll.before.resources.find((b) => b.key === r.key),
              r,
            ).ami,
          )}`,
      );
    expect(created).toEqual(hosts.map((r) => `${r.name}: ${NEWER_AMI.id}`));
  });

  it.each(["ami", "instance-type", "replace-hosts", "pin-ami"] as const)(
    "%s: the URL outputs keep their values (Elastic IPs)",
    (c) => {
      const moved = plan(c).outputs.filter((o) => URL_OUTPUTS.includes(o.name) && o.change !== "same");
      expect(moved.map((o) => `${o.name}: ${o.change}`)).toEqual([]);
    },
  );

  it("the app's data lives on its own aws.ebs.Volume, not on an EBS device inline in the instance", () => {
    const inline = base.resources.filter((r) => r.type === INSTANCE && ((r.inputs.ebsBlockDevices as []) ?? []).length);
    expect(inline.map((r) => r.name)).toEqual([]);
    expect(base.resources.filter((r) => r.type === VOLUME).map((r) => r.name)).toEqual(
      expect.arrayContaining([expect.stringContaining("-app-"), expect.stringContaining("-monitoring-")]),
    );
  });

  it(`data volumes are attached with deleteBeforeReplace${stack === "prod" ? ", protected and retained" : ""}`, () => {
    const attachments = base.resources.filter((r) => r.type === ATTACHMENT);
    expect(attachments.length).toBe(base.resources.filter((r) => r.type === VOLUME).length);
    expect(attachments.filter((a) => !a.opts.deleteBeforeReplace).map((a) => a.name)).toEqual([]);
    if (stack === "prod") {
      const unkept = base.resources.filter((r) => r.type === VOLUME && !(r.opts.protect && r.opts.retainOnDelete));
      expect(unkept.map((r) => r.name)).toEqual([]);
    }
  });

  it("every remote step carries the instance id of its host in its triggers", () => {
    const steps = base.resources.filter((r) => REMOTE.includes(r.type));
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.filter((s) => !hostOf(s, base)).map((s) => `${s.name}: no host found`)).toEqual([]);
    const missing = steps.filter(
      (s) => !JSON.stringify(s.inputs.triggers ?? []).includes(JSON.stringify(hostOf(s, base)!.id)),
    );
    expect(missing.map((s) => s.name)).toEqual([]);
  });

  it("replace-hosts: every remote step on a new host is replaced (runs from scratch), none merely updated", () => {
    const sim = sims.get("replace-hosts")!;
    const replaced = new Set(
      rows("replace-hosts", INSTANCE)
        .filter((r) => r.action === "replace")
        .map((r) => r.key),
    );
    expect(replaced.size).toBe(base.resources.filter((r) => r.type === INSTANCE).length);
    expect(replaced.size).toBeGreaterThanOrEqual(2);
    const steps = plan("replace-hosts").rows.filter((r) => REMOTE.includes(r.type));
    const hosts = steps.map(
      (r) =>
        hostOf(
          sim.after.resources.find((x) => x.key === r.key)!,
          sim.after,
        )?.key,
    );
    expect(hosts.filter((h) => !h || !replaced.has(h))).toEqual([]);
    expect(steps.filter((r) => r.action !== "replace").map(describeRow)).toEqual([]);
  });

  /** prod runs the app fleet: a new launch template version rolled out by instance refresh, not an SSH step. */
  const fleet = stack === "prod";
  const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
  const GROUP = "aws:autoscaling/group:Group";
  /** The fleet rolls a change out: the launch template's user data changes, so the group's template version does. */
  const rolledOut = (c: ChangeId) => {
    expect(rows(c, LAUNCH_TEMPLATE).map((r) => [r.action, r.reasons.map((x) => x.path)])).toEqual([
      ["update", ["userData"]],
    ]);
    expect(rows(c, GROUP).map((r) => [r.action, r.reasons.map((x) => x.path)])).toEqual([
      ["update", ["launchTemplate.version"]],
    ]);
  };

  it("token: the rotated token reaches the app, never in a command line or the user data (host: the deploy step's stdin; fleet: a new secret version the new launch template names)", () => {
    if (fleet) {
      // secret_string is ForceNew upstream: a rotated value is a new secret version (AWSCURRENT moves to it).
      const version = rows("token", "aws:secretsmanager/secretVersion:SecretVersion");
      expect(version.map((r) => r.action)).toEqual(["replace"]);
      rolledOut("token");
      const lt = sims.get("token")!.after.resources.find((r) => r.type === LAUNCH_TEMPLATE)!;
      expect(JSON.stringify(lt.inputs)).not.toContain(ROTATION.apiTokenAfter);
      return;
    }
    const sim = sims.get("token")!;
    const deploy = (s: Snapshot) => s.resources.find((r) => r.type === REMOTE[0] && r.name.endsWith("-app-deploy"))!;
    const [before, after] = [deploy(sim.before), deploy(sim.after)];
    expect(plan("token").rows.find((r) => r.key === after.key)?.action).toBe("replace");
    const delivered = (r: SnapshotResource) => JSON.stringify([r.inputs.stdin ?? null, r.inputs.environment ?? null]);
    expect(delivered(after).includes(ROTATION.apiTokenAfter), "the rotated token reaches the step").toBe(true);
    expect(delivered(before).includes(TEST_API_TOKEN), "the old token was what the step had").toBe(true);
    for (const secret of [TEST_API_TOKEN, ROTATION.apiTokenAfter, ROTATION.grafanaAfter]) {
      expect(String(after.inputs.create).includes(secret), "a secret in the command line").toBe(false);
    }
  });

  // The apply consumes the staged copy (it removes it once applied): an apply re-run alone would find nothing
  // staged, so the copy re-runs with it, carrying the same secret-free configuration.
  it("token: a rotated Grafana password re-stages the bundle and re-runs the apply, which carries the secret (the bundle holds none)", () => {
    const byName = (suffix: string) =>
      plan("token").rows.find((r) => REMOTE.includes(r.type) && r.name.endsWith(suffix));
    expect(byName("-monitoring-bundle")?.action).toBe("replace");
    expect(byName("-monitoring-apply")?.action).toBe("replace");
  });

  it("image: a new image digest re-runs the deploy step (host) or rolls a new launch template version out (fleet)", () => {
    // The service's image alone: the fleet's node_exporter mirror does not follow the service's code.
    expect(
      rows("image", "docker:index/image:Image")
        .filter((r) => r.action !== "same")
        .map((r) => [r.name, r.action]),
    ).toEqual([[`observed-app-${stack}-app-image`, "update"]]);
    if (fleet) rolledOut("image");
    else expect(plan("image").rows.find((r) => r.name.endsWith("-app-deploy"))?.action).toBe("replace");
  });

  it("bundle: a changed bundle is copied and applied again, and no host or volume is touched", () => {
    const apply = plan("bundle").rows.find((r) => r.name.endsWith("-monitoring-apply"));
    expect(apply?.action).toBe("replace");
    const touched = plan("bundle").rows.filter(
      (r) => [INSTANCE, VOLUME, ATTACHMENT].includes(r.type) && r.action !== "same",
    );
    expect(touched.map(describeRow)).toEqual([]);
  });

  it("volume: larger data volumes grow in place and no host is replaced", () => {
    const volumes = rows("volume", VOLUME);
    expect(volumes.length).toBeGreaterThanOrEqual(2);
    expect(volumes.map((r) => `${r.name}: ${r.action} ${r.reasons.map((x) => x.path).join(",")}`)).toEqual(
      volumes.map((r) => `${r.name}: update size`),
    );
    expect(
      rows("volume", INSTANCE)
        .filter((r) => r.action === "replace")
        .map(describeRow),
    ).toEqual([]);
  });
});
