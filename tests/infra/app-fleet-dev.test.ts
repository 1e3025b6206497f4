/**
 * Mock-level (Pulumi mocks, no AWS): the fleet tier in dev (`appTier: fleet`). Dev keeps what it needs and no
 * more: one instance, a single-AZ database with one day of backups, no deletion protection or final snapshot,
 * no WAF, nothing protected. Without a domain it serves plain HTTP (prod refuses that), which the policy pack
 * reports and nothing else.
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

  it("without a domain: plain HTTP 80 forwards to the app port, and no certificate", () => {
    const listeners = run.byType("aws:lb/listener:Listener");
    expect(listeners.map((l) => [l.inputs.port, l.inputs.protocol])).toEqual([[80, "HTTP"]]);
    const tg = run.one("aws:lb/targetGroup:TargetGroup");
    expect(listeners[0].inputs.defaultActions).toEqual([{ type: "forward", targetGroupArn: tg.state.arn }]);
    expect(run.byType("aws:acm/certificate:Certificate")).toEqual([]);
  });

  // Issue 24: this asserted 0 violations while the pack let an internet-facing load balancer serve plain HTTP.
  it("the policy pack reports only the plain-HTTP load balancer (a trial over HTTP: the policy must be set advisory)", async () => {
    const lb = run.one("aws:lb/loadBalancer:LoadBalancer");
    const http = run.one("aws:lb/listener:Listener");
    expect(await runPolicies(run.resources)).toEqual([
      `lb-listeners-https-redirect: load balancer ${lb.name}: internet-facing without an HTTPS listener (the API would cross in clear)`,
      `lb-listeners-https-redirect: listener ${http.name}: HTTP on internet-facing ${lb.name} must only redirect to HTTPS`,
    ]);
  });
});
