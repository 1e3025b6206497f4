/**
 * Mock-level assertions on ObservedApp, MonitoringHost and the stack outputs (Pulumi mocks, no AWS, no
 * Docker engine, no SSH: the remote commands are checked as declared, not run).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { bundleHash, renderBundle } from "../../monitoring-config";
import { hostMonitoringSettings } from "../../components/monitoring-host";
import { ACCOUNT, TEST_API_TOKEN, runStack, type Recorded, type StackRun } from "./harness";

const OUTPUTS = [
  "appUrl",
  "grafanaUrl",
  "prometheusUrl",
  "alertmanagerUrl",
  "grafanaAdminPassword",
  "alertTopicArn",
  "trailName",
  "trailBucket",
  "guardDutyDetectorId",
  "logGroups",
  "sshCommand",
];

export function describeHosts(stack: "dev" | "prod"): void {
  const prod = stack === "prod";
  describe(`${stack} hosts (mock-level: Pulumi mocks, no AWS/Docker/SSH)`, () => {
    let run: StackRun;
    const ingress = (sgName: string) =>
      run.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.startsWith(sgName));
    beforeAll(async () => {
      run = await runStack(stack);
    }, 60_000);

    it("gives every stack output", async () => {
      for (const o of OUTPUTS) expect(await run.output(o), o).toBeTruthy();
      expect(await run.output("appUrl")).toMatch(/^http:\/\/203\.0\.113\.\d+:3000$/);
      expect(await run.output("grafanaUrl")).toMatch(/:3000$/);
      expect(await run.output("prometheusUrl")).toMatch(/:9090$/);
    });

    it("builds the image for the instance's architecture and runs it by digest", () => {
      const image = run.one("docker:index/image:Image");
      const instance = run.resources.find(
        (r) => r.type === "aws:ec2/instance:Instance" && r.name.endsWith("-app-host"),
      )!;
      const arch = String(instance.inputs.instanceType).split(".")[0].includes("g") ? "linux/arm64" : "linux/amd64";
      expect((image.inputs.build as { platform: string }).platform).toBe(arch);
      expect((image.inputs.build as { dockerfile: string }).dockerfile).toMatch(/service\/Dockerfile$/);
      const deploy = run.one("command:remote:Command", "-app-deploy");
      expect(deploy.inputs.create).toMatch(/IMAGE=\S+@sha256:[0-9a-f]{64}/);
      expect(deploy.inputs.triggers).toEqual(expect.arrayContaining([expect.stringMatching(/@sha256:/)]));
    });

    it("ECR: scan on push and a lifecycle that keeps the last N images", () => {
      const repo = run.one("aws:ecr/repository:Repository");
      expect(repo.inputs.imageScanningConfiguration).toEqual({ scanOnPush: true });
      expect(repo.inputs.forceDelete).toBe(!prod);
      const lc = JSON.parse(run.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy as string);
      expect(lc.rules[0].selection).toMatchObject({ countType: "imageCountMoreThan", countNumber: 10 });
    });

    it("app role: ECR pull on its repository and writes to its own log group, nothing else", () => {
      const p = JSON.parse(run.one("aws:iam/rolePolicy:RolePolicy", "-app-role").inputs.policy as string);
      const actions = p.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()).sort();
      expect(actions).toEqual([
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetAuthorizationToken",
        "ecr:GetDownloadUrlForLayer",
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
      ]);
      const logs = p.Statement.find((s: { Sid: string }) => s.Sid === "OwnLogGroup");
      expect(JSON.stringify(logs.Resource)).toContain("/observed-app/");
    });

    it("security groups: public port from the configured CIDRs, scrape ports only from the monitoring SG, SSH and UIs only from admins", () => {
      const app = ingress(`observed-app-${stack}-app-`);
      expect(app.filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0").map((r) => r.inputs.fromPort)).toEqual([3000]);
      const adminCidr = prod ? "198.51.100.0/24" : "203.0.113.0/24";
      expect(app.filter((r) => r.inputs.fromPort === 22).map((r) => r.inputs.cidrIpv4)).toEqual([adminCidr]);
      const scrape = ingress(`observed-app-${stack}-monitoring-scrape`);
      expect(scrape.map((r) => r.inputs.fromPort).sort()).toEqual([9100, 9464]);
      for (const r of scrape) {
        expect(r.inputs.cidrIpv4).toBeUndefined();
        expect(r.inputs.referencedSecurityGroupId).toBe(`observed-app-${stack}-monitoring-sg-id`);
        expect(r.inputs.securityGroupId).toBe(`observed-app-${stack}-app-sg-id`);
      }
      const mon = ingress(`observed-app-${stack}-monitoring-admin`);
      expect(mon.map((r) => r.inputs.fromPort).sort()).toEqual([22, 3000, 9090, 9093]);
      expect(new Set(mon.map((r) => r.inputs.cidrIpv4))).toEqual(new Set([adminCidr]));
    });

    it("instances: IMDSv2, encrypted root and data volumes; monitoring data volume retained in prod", () => {
      for (const i of run.byType("aws:ec2/instance:Instance")) {
        expect(i.inputs.metadataOptions).toMatchObject({ httpTokens: "required" });
        expect(i.inputs.rootBlockDevice).toMatchObject({ encrypted: true });
      }
      const app = run.resources.find((r) => r.type === "aws:ec2/instance:Instance" && r.name.endsWith("-app-host"))!;
      expect(app.inputs.ebsBlockDevices).toEqual([
        expect.objectContaining({ encrypted: true, deleteOnTermination: !prod }),
      ]);
      expect((app.inputs.tags as Record<string, string>).Role).toBe("app");
      const vol = run.one("aws:ebs/volume:Volume");
      expect(vol.inputs.encrypted).toBe(true);
      expect(vol.opts.protect ?? false).toBe(prod);
      expect(vol.opts.retainOnDelete ?? false).toBe(prod);
    });

    it("monitoring role: discovery, publish to the alert topic with its key, CloudWatch read", () => {
      const p = JSON.parse(run.one("aws:iam/rolePolicy:RolePolicy", "-monitoring-role").inputs.policy as string);
      const bySid = Object.fromEntries(p.Statement.map((s: { Sid: string }) => [s.Sid, s]));
      expect(bySid.Ec2Discovery.Action).toContain("ec2:DescribeInstances");
      expect(bySid.PublishAlerts).toMatchObject({
        Action: "sns:Publish",
        Resource: expect.stringMatching(/^arn:aws:sns:/),
      });
      expect(bySid.AlertTopicKey.Resource).toMatch(/^arn:aws:kms:/);
      expect(bySid.GrafanaCloudWatch.Action).toContain("cloudwatch:GetMetricData");
    });

    it("remote setup runs in order: bootstrap → stage → copy → validate+apply", () => {
      const cmd = (suffix: string): Recorded =>
        run.resources.find((r) => r.type.startsWith("command:remote:") && r.name.endsWith(suffix))!;
      expect(cmd("-monitoring-stage").opts.dependsOn).toContain(`observed-app-${stack}-monitoring-bootstrap`);
      expect(cmd("-monitoring-bundle").opts.dependsOn).toContain(`observed-app-${stack}-monitoring-stage`);
      expect(cmd("-monitoring-apply").opts.dependsOn).toContain(`observed-app-${stack}-monitoring-bundle`);
      expect(cmd("-monitoring-bootstrap").opts.dependsOn).toContain(`observed-app-${stack}-monitoring-data`);
      expect(cmd("-app-deploy").opts.dependsOn).toContain(`observed-app-${stack}-app-bootstrap`);
      expect(cmd("-monitoring-apply").inputs.create).toMatch(
        /promtool[\s\S]*check config[\s\S]*amtool[\s\S]*check-config[\s\S]*docker compose up/,
      );
      for (const c of run.resources.filter((r) => r.type.startsWith("command:remote:"))) {
        expect(c.inputs.connection).toMatchObject({ dialErrorLimit: 60, perDialTimeout: 10 });
      }
      expect(cmd("-monitoring-bootstrap").inputs.create).toMatch(/cloud-init status --wait/);
    });

    it("the bundle copied to the host is what monitoring-config renders for these settings, and its hash triggers re-apply", async () => {
      const copy = run.one("command:remote:CopyToRemote");
      const apply = run.one("command:remote:Command", "-monitoring-apply");
      const appUrl = (await run.output("appUrl")) as string;
      const expected = renderBundle(
        hostMonitoringSettings({
          stack,
          region: run.region,
          discoveryTags: { Project: "observed-app", Stack: stack },
          appMetricsPort: 9464,
          probeUrl: appUrl,
          topicArn: `arn:aws:sns:${run.region}:${ACCOUNT}:observed-app-${stack}-alerts`,
          grafanaAdminPassword: "generated-grafana-password-0123",
          guardDutyRuleName: `observed-app-${stack}-guardduty-findings`,
          retention: prod ? "30d" : "15d",
        }),
      );
      // Mocks hand over the archive with its asset map and texts still as promises.
      const archive = copy.inputs.source as { assets: Promise<Record<string, { text: Promise<string> }>> };
      const assets = await archive.assets;
      const shipped: Record<string, string> = {};
      for (const [path, asset] of Object.entries(assets)) shipped[path] = await asset.text;
      expect(shipped).toEqual(expected);
      expect(copy.inputs.triggers).toEqual([bundleHash(expected)]);
      expect(apply.inputs.triggers).toEqual(expect.arrayContaining([bundleHash(expected)]));
      expect(shipped["prometheus/prometheus.yml"]).toContain(`${appUrl}/health`);
    });

    it("no secret in plain text in any resource input (secrets reach resources only as Pulumi secrets)", async () => {
      const secrets = [
        TEST_API_TOKEN,
        "generated-grafana-password-0123",
        "BEGIN OPENSSH PRIVATE KEY",
        "mock-ecr-password",
      ];
      for (const r of run.resources) {
        const text = JSON.stringify(r.redacted);
        for (const s of secrets) expect(text.includes(s), `${r.type} ${r.name} carries ${s} in plain text`).toBe(false);
      }
      const deploy = run.one("command:remote:Command", "-app-deploy");
      expect(String(deploy.inputs.create)).not.toContain(TEST_API_TOKEN);
      expect(String(deploy.inputs.stdin)).toContain(`API_TOKEN=${TEST_API_TOKEN}`);
      expect(deploy.redacted.stdin).toBe("[secret]");
      const pulumi = await import("@pulumi/pulumi");
      for (const o of ["grafanaAdminPassword", "monitoringSshKey", "appSshKey"]) {
        expect(await pulumi.isSecret(run.exports[o] as never), o).toBe(true);
      }
    });
  });
}
