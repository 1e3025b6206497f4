/**
 * Mock-level (Pulumi mocks, no AWS): the fleet tier in dev (`appTier: fleet`). Dev keeps what it needs and no
 * more: one instance, a single-AZ database with one day of backups, no deletion protection or final snapshot,
 * no WAF, nothing protected; and the policy pack passes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runStack, type StackRun } from "../../scripts/lib/program-mocks";
import { runPolicies } from "./policy-run";

let run: StackRun;
beforeAll(async () => {
  run = await runStack("dev", { appTier: "fleet" });
}, 60_000);

describe("dev app fleet (mock-level: Pulumi mocks, no AWS)", () => {
  it("one instance at least, up to two, across both private subnets", () => {
    const asg = run.one("aws:autoscaling/group:Group");
    expect(asg.inputs).toMatchObject({ minSize: 1, maxSize: 2, minElbCapacity: 1 });
    expect(asg.inputs.vpcZoneIdentifiers).toHaveLength(2);
  });

  it("database: single-AZ db.t4g.micro, 1 day of backups, no deletion protection, no final snapshot, not protected", () => {
    const db = run.one("aws:rds/instance:Instance");
    expect(db.inputs).toMatchObject({
      instanceClass: "db.t4g.micro",
      multiAz: false,
      deletionProtection: false,
      backupRetentionPeriod: 1,
      skipFinalSnapshot: true,
      storageEncrypted: true,
      publiclyAccessible: false,
    });
    expect(db.opts.protect ?? false).toBe(false);
    // db.t4g.micro: max_connections 100, paged at 80.
    const connections = run
      .byType("aws:cloudwatch/metricAlarm:MetricAlarm")
      .find((a) => a.inputs.metricName === "DatabaseConnections");
    expect(connections?.inputs.threshold).toBe(80);
  });

  it("no WAF in dev; the load balancer can be deleted", () => {
    expect(run.byType("aws:wafv2/webAcl:WebAcl")).toEqual([]);
    expect(run.byType("aws:wafv2/webAclAssociation:WebAclAssociation")).toEqual([]);
    expect(run.one("aws:lb/loadBalancer:LoadBalancer").inputs.enableDeletionProtection).toBe(false);
  });

  // Issue 21, finding 6 (upstream: hashicorp/terraform-provider-aws internal/service/secretsmanager/secret.go, read
  // at 00c21ced: recovery_window_in_days 0 → DeleteSecret with ForceDeleteWithoutRecovery; name_prefix ForceNew).
  it("mock-level: the token's secret is named by prefix and deleted without a recovery window (dev keeps no data): destroy then up works at once", () => {
    const secrets = run.byType("aws:secretsmanager/secret:Secret");
    expect(secrets).toHaveLength(1);
    expect(secrets[0].inputs).toMatchObject({
      namePrefix: "observed-app-dev/taskflow/api-token-",
      recoveryWindowInDays: 0,
    });
    expect(secrets[0].inputs.name).toBeUndefined();
  });

  // Issue 21, finding 2, in dev's fleet (upstream: internal/service/ec2/vpc_security_group.go, read at 01606926).
  it("mock-level: no security group of dev's fleet declares inline ingress or egress (standalone rules only)", () => {
    const groups = run.byType("aws:ec2/securityGroup:SecurityGroup");
    expect(groups.length).toBeGreaterThanOrEqual(5);
    expect(
      groups.filter((g) => g.inputs.ingress !== undefined || g.inputs.egress !== undefined).map((g) => g.name),
    ).toEqual([]);
  });

  it("the policy pack passes with 0 violations", async () => {
    expect(await runPolicies(run.resources)).toEqual([]);
  });
});
