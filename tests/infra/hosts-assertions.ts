/**
 * Mock-level assertions on ObservedApp, MonitoringHost and the stack outputs (Pulumi mocks, no AWS, no
 * Docker engine, no SSH: the remote commands are checked as declared, not run).
 */
import bcrypt from "bcryptjs";
import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { bundleFromTarBase64 } from "../../components/bundle-archive";
import { parse } from "yaml";
import { bundleHash } from "../../monitoring-config";
import {
  ACCOUNT,
  TEST_API_TOKEN,
  runStack,
  stackConfig,
  type Recorded,
  type StackRun,
} from "../../scripts/lib/program-mocks";
import type { Environment } from "../../components/config";

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
  "monitoringCertificateSha256",
];

export function describeHosts(stack: Environment): void {
  const prod = stack === "prod";
  /** The monitoring hosts: prod runs an HA pair (monitoringReplicas defaults to 2 there), dev one host. */
  const monitoringHosts = prod ? ["monitoring", "monitoring-b"] : ["monitoring"];
  /**
   * The app host: dev runs the host tier (appTier defaults to host there); prod runs the fleet, which has no host
   * and no SSH (tests/infra/app-fleet-prod.test.ts checks it).
   */
  const appHost = !prod;
  const appHosts = appHost ? ["app"] : [];
  /** The app instances' security group: the host's, or the fleet's. */
  const appSg = `observed-app-${stack}-app-${appHost ? "sg" : "fleet-sg"}-id`;
  /** The host a remote step runs on, from its name (`<prefix>-<host>-<step>`). */
  const hostOfStep = (step: string) => step.replace(/-(bootstrap|bundle|apply|deploy)$/, "");
  describe(`${stack} hosts (mock-level: Pulumi mocks, no AWS/Docker/SSH)`, () => {
    let run: StackRun;
    const ingress = (sgName: string) =>
      run.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.startsWith(sgName));
    beforeAll(async () => {
      run = await runStack(stack);
    }, 60_000);

    it("gives every stack output", async () => {
      for (const o of [...OUTPUTS, ...(appHost ? ["appCertificateSha256", "appSshKey"] : [])]) {
        expect(await run.output(o), o).toBeTruthy();
      }
      expect(await run.output("appUrl")).toMatch(
        appHost
          ? /^https:\/\/203\.0\.113\.\d+:3000$/
          : // Issue 24 (High): prod's fleet serves HTTPS on its domain (this was http:// on the load balancer's name).
            /^https:\/\/tasks\.example\.com$/,
      );
      if (!appHost) expect(run.exports.appCertificateSha256).toBeUndefined();
      expect(await run.output("grafanaUrl")).toMatch(/^https:\/\/.*:3000$/);
      expect(await run.output("prometheusUrl")).toMatch(/^https:\/\/.*:9090$/);
      expect(await run.output("alertmanagerUrl")).toMatch(/^https:\/\/.*:9093$/);
    });

    it("TLS: each host's own key and self-signed certificate naming its Elastic IP and 127.0.0.1; the outputs pin them", async () => {
      for (const role of [...appHosts, "monitoring"]) {
        const host = `observed-app-${stack}-${role}`;
        expect(run.one("tls:index/privateKey:PrivateKey", `${host}-tls`).inputs).toMatchObject({
          algorithm: "ECDSA",
          ecdsaCurve: "P256",
        });
        const cert = run.one("tls:index/selfSignedCert:SelfSignedCert", `${host}-tls`);
        const eip = run.one("aws:ec2/eip:Eip", `${host}-eip`);
        expect(cert.inputs.ipAddresses).toEqual([eip.state.publicIp, "127.0.0.1"]);
        expect(cert.inputs.allowedUses).toEqual(["digitalSignature", "keyEncipherment", "serverAuth"]);
        // Renewed by the first up in its last 30 days of a year.
        expect(cert.inputs).toMatchObject({ validityPeriodHours: 8760, earlyRenewalHours: 720 });
        const pem = String(cert.state.certPem);
        expect(new X509Certificate(pem).checkIP(String(eip.state.publicIp))).toBe(String(eip.state.publicIp));
        const output = role === "app" ? "appCertificateSha256" : "monitoringCertificateSha256";
        expect(await run.output(output)).toBe(new X509Certificate(pem).fingerprint256);
      }
      // The edge gets its certificate and key with the token on stdin (a secret), and a renewal re-runs the deploy.
      let appCert: string | undefined;
      if (appHost) {
        const deploy = run.one("command:remote:Command", "-app-deploy");
        const stdin = String(deploy.inputs.stdin);
        expect(deploy.redacted.stdin).toBe("[secret]");
        appCert = String(run.one("tls:index/selfSignedCert:SelfSignedCert", "-app-tls").state.certPem);
        expect(Buffer.from(/^TLS_CERT_B64=(.*)$/m.exec(stdin)![1], "base64").toString()).toBe(appCert);
        expect(Buffer.from(/^TLS_KEY_B64=(.*)$/m.exec(stdin)![1], "base64").toString()).toContain("PRIVATE KEY");
        expect(deploy.inputs.triggers).toContain(new X509Certificate(appCert).fingerprint256);
      }
      // The monitoring bundle: every UI on TLS with the host's certificate; blackbox trusts the app's.
      const shipped = await bundleFromTarBase64(
        String(run.one("command:remote:Command", "-monitoring-bundle").inputs.stdin),
      );
      const monCert = String(run.one("tls:index/selfSignedCert:SelfSignedCert", "-monitoring-tls").state.certPem);
      // The keys travel with the other secrets, on the apply step's stdin (SECRETS_B64).
      const applyStdin = String(run.one("command:remote:Command", "-monitoring-apply").inputs.stdin);
      const secretFiles = await bundleFromTarBase64(/^SECRETS_B64=(.*)$/m.exec(applyStdin)![1]);
      for (const svc of ["prometheus", "alertmanager", "grafana"]) {
        expect(shipped[`${svc}/tls/server.crt`]).toBe(monCert);
        expect(shipped[`${svc}/secrets/server.key`]).toBeUndefined();
        expect(secretFiles[`${svc}/secrets/server.key`]).toContain("PRIVATE KEY");
      }
      for (const svc of ["prometheus", "alertmanager"]) {
        expect(parse(shipped[`${svc}/web.yml`]).tls_server_config).toEqual({
          cert_file: `/etc/${svc}/tls/server.crt`,
          key_file: `/etc/${svc}/secrets/server.key`,
          min_version: "TLS12",
        });
      }
      expect(shipped["grafana/grafana.ini"]).toMatch(/^protocol = https$/m);
      expect(shipped["grafana/grafana.ini"]).toMatch(/^cookie_secure = true$/m);
      // The host's edge is self-signed: blackbox trusts its certificate alone. The fleet's load balancer has none
      // of its own (plain HTTP without a domain, a public ACM certificate with one).
      expect(shipped["blackbox/probe-ca.crt"]).toBe(appCert);
      expect(parse(shipped["blackbox/blackbox.yml"]).modules.http_2xx.http.tls_config).toEqual(
        appHost ? { ca_file: "/etc/blackbox/probe-ca.crt" } : undefined,
      );
    });

    it("builds the image for the instance's architecture and runs it by digest", () => {
      const image = run.one("docker:index/image:Image", "-app-image");
      const instance = run.resources.find((r) =>
        appHost
          ? r.type === "aws:ec2/instance:Instance" && r.name.endsWith("-app-host")
          : r.type === "aws:ec2/launchTemplate:LaunchTemplate",
      )!;
      const arch = String(instance.inputs.instanceType).split(".")[0].includes("g") ? "linux/arm64" : "linux/amd64";
      expect((image.inputs.build as { platform: string }).platform).toBe(arch);
      expect((image.inputs.build as { dockerfile: string }).dockerfile).toMatch(/service\/Dockerfile$/);
      if (appHost) {
        const deploy = run.one("command:remote:Command", "-app-deploy");
        expect(deploy.inputs.create).toMatch(/IMAGE=\S+@sha256:[0-9a-f]{64}/);
        expect(deploy.inputs.triggers).toEqual(expect.arrayContaining([expect.stringMatching(/@sha256:/)]));
      } else {
        const userData = Buffer.from(String(instance.inputs.userData), "base64").toString();
        expect(userData).toMatch(/^export IMAGE='\S+@sha256:[0-9a-f]{64}'$/m);
      }
    });

    it("ECR: scan on push and a lifecycle that keeps the last N images", () => {
      // The fleet also mirrors node_exporter's image (its private subnets reach no public registry).
      const repos = run.byType("aws:ecr/repository:Repository");
      expect(repos.map((r) => r.inputs.name).sort()).toEqual(
        [`observed-app-${stack}/taskflow`, ...(appHost ? [] : [`observed-app-${stack}/node-exporter`])].sort(),
      );
      for (const repo of repos) {
        expect(repo.inputs.imageScanningConfiguration).toEqual({ scanOnPush: true });
        expect(repo.inputs.forceDelete).toBe(!prod);
      }
      const policies = run.byType("aws:ecr/lifecyclePolicy:LifecyclePolicy");
      expect(policies).toHaveLength(repos.length);
      for (const p of policies) {
        const lc = JSON.parse(p.inputs.policy as string);
        expect(lc.rules[0].selection).toMatchObject({ countType: "imageCountMoreThan", countNumber: 10 });
      }
    });

    it("app role: ECR pull on its repository, writes to its own log group and (fleet) reads its own secrets, nothing else", () => {
      const p = JSON.parse(
        run.one("aws:iam/rolePolicy:RolePolicy", appHost ? "-app-role" : "-app-fleet-role").inputs.policy as string,
      );
      const actions = p.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()).sort();
      expect(actions).toEqual([
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetAuthorizationToken",
        "ecr:GetDownloadUrlForLayer",
        ...(appHost ? [] : ["kms:Decrypt"]),
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
        ...(appHost ? [] : ["secretsmanager:GetSecretValue"]),
      ]);
      const logs = p.Statement.find((s: { Sid: string }) => s.Sid === "OwnLogGroup");
      expect(JSON.stringify(logs.Resource)).toContain("/observed-app/");
    });

    it("security groups: public port from the configured CIDRs, scrape ports only from the monitoring SG, SSH and UIs only from admins", () => {
      const adminCidr = prod ? "198.51.100.0/24" : "203.0.113.0/24";
      if (appHost) {
        const app = ingress(`observed-app-${stack}-app-`);
        expect(app.filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0").map((r) => r.inputs.fromPort)).toEqual([3000]);
        expect(app.filter((r) => r.inputs.fromPort === 22).map((r) => r.inputs.cidrIpv4)).toEqual([adminCidr]);
      }
      const scrape = ingress(`observed-app-${stack}-monitoring-scrape`);
      expect(scrape.map((r) => r.inputs.fromPort).sort()).toEqual([9100, 9464]);
      for (const r of scrape) {
        expect(r.inputs.cidrIpv4).toBeUndefined();
        expect(r.inputs.referencedSecurityGroupId).toBe(`observed-app-${stack}-monitoring-sg-id`);
        expect(r.inputs.securityGroupId).toBe(appSg);
      }
      const mon = [
        ...ingress(`observed-app-${stack}-monitoring-admin`),
        ...ingress(`observed-app-${stack}-monitoring-ssh`),
      ];
      expect(mon.map((r) => r.inputs.fromPort).sort()).toEqual([22, 3000, 9090, 9093]);
      expect(new Set(mon.map((r) => r.inputs.cidrIpv4))).toEqual(new Set([adminCidr]));
    });

    it("instances: IMDSv2, encrypted root and data volumes; data volumes retained in prod and re-attached to a new host", () => {
      for (const i of run.byType("aws:ec2/instance:Instance")) {
        expect(i.inputs.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
        expect(i.inputs.rootBlockDevice).toMatchObject({ encrypted: true });
        // A new AMI release must not replace a host behind the operator's back.
        expect(i.opts.ignoreChanges).toEqual(["ami"]);
        expect(i.inputs.ebsBlockDevices).toBeUndefined();
      }
      const app = run.resources.find((r) => r.type === "aws:ec2/instance:Instance" && r.name.endsWith("-app-host"));
      expect(app === undefined).toBe(!appHost);
      if (app) expect((app.inputs.tags as Record<string, string>).Role).toBe("app");
      const volumes = run.byType("aws:ebs/volume:Volume");
      expect(volumes.map((v) => v.name).sort()).toEqual(
        [...appHosts, ...monitoringHosts].map((h) => `observed-app-${stack}-${h}-data`).sort(),
      );
      for (const vol of volumes) {
        expect(vol.inputs.encrypted).toBe(true);
        // In the subnet's zone (known before any instance exists), not the instance's; the pair's second host in
        // the second zone.
        expect(vol.inputs.availabilityZone).toBe(`${run.region}${vol.name.endsWith("-monitoring-b-data") ? "b" : "a"}`);
        expect(vol.opts.protect ?? false).toBe(prod);
        expect(vol.opts.retainOnDelete ?? false).toBe(prod);
      }
      for (const a of run.byType("aws:ec2/volumeAttachment:VolumeAttachment")) {
        expect(a.opts.deleteBeforeReplace).toBe(true);
      }
      expect(run.byType("aws:ec2/eipAssociation:EipAssociation")).toHaveLength(
        appHosts.length + monitoringHosts.length,
      );
    });

    it("monitoring role: discovery, publish to the alert topic with its key, CloudWatch read", () => {
      const p = JSON.parse(run.one("aws:iam/rolePolicy:RolePolicy", "-monitoring-role").inputs.policy as string);
      const bySid = Object.fromEntries(p.Statement.map((s: { Sid: string }) => [s.Sid, s]));
      expect(bySid.Ec2Discovery.Action).toContain("ec2:DescribeInstances");
      expect(bySid.PublishAlerts.Action).toBe("sns:Publish");
      expect(bySid.PublishAlerts.Resource).toEqual(
        ["alerts", "tickets", "heartbeat"].map(
          (t) => `arn:aws:sns:${run.region}:${ACCOUNT}:observed-app-${stack}-${t}`,
        ),
      );
      expect(bySid.AlertTopicKey.Resource).toMatch(/^arn:aws:kms:/);
      expect(bySid.GrafanaCloudWatch.Action).toContain("cloudwatch:GetMetricData");
    });

    it("remote setup runs in order: bootstrap → bundle → validate+apply, and every step re-runs on a new host", () => {
      const cmd = (suffix: string): Recorded =>
        run.resources.find((r) => r.type.startsWith("command:remote:") && r.name.endsWith(suffix))!;
      expect(cmd("-monitoring-bundle").opts.dependsOn).toContain(`observed-app-${stack}-monitoring-bootstrap`);
      expect(cmd("-monitoring-apply").opts.dependsOn).toContain(`observed-app-${stack}-monitoring-bundle`);
      expect(cmd("-monitoring-bootstrap").opts.dependsOn).toContain(`observed-app-${stack}-monitoring-data`);
      if (appHost) expect(cmd("-app-deploy").opts.dependsOn).toContain(`observed-app-${stack}-app-bootstrap`);
      else expect(cmd("-app-deploy")).toBeUndefined();
      for (const c of run.resources.filter((r) => r.type.startsWith("command:remote:"))) {
        expect(c.inputs.triggers, c.name).toEqual(expect.arrayContaining([`${hostOfStep(c.name)}-host-id`]));
      }
      expect(cmd("-monitoring-apply").inputs.create).toMatch(
        /promtool[\s\S]*check config[\s\S]*amtool[\s\S]*check-config[\s\S]*docker compose up/,
      );
      for (const c of run.resources.filter((r) => r.type.startsWith("command:remote:"))) {
        expect(c.inputs.connection).toMatchObject({ dialErrorLimit: 60, perDialTimeout: 10 });
      }
      expect(cmd("-monitoring-bootstrap").inputs.create).toMatch(/cloud-init status --wait/);
    });

    it("the bundle shipped to the host carries this stack's own config (checked against Pulumi.<stack>.yaml, not the renderer), and its hash triggers re-apply", async () => {
      const copy = run.one("command:remote:Command", "-monitoring-bundle");
      const apply = run.one("command:remote:Command", "-monitoring-apply");
      const appUrl = (await run.output("appUrl")) as string;
      // The stack's config as the CLI would pass it, read from the YAML files: the independent oracle.
      const config = stackConfig(stack, { apiToken: TEST_API_TOKEN });
      const region = config["aws:region"];
      const retention = config["observed-app:prometheusRetention"];
      expect(retention).toBe(prod ? "30d" : "15d");

      expect(copy.inputs.create).toMatch(/base64 -d \| tar -x/);
      // Configuration only, in the clear (pulumi preview shows its changes); the secrets go with the apply step.
      expect(copy.redacted.stdin).not.toBe("[secret]");
      const shipped = await bundleFromTarBase64(String(copy.inputs.stdin));
      expect(Object.keys(shipped).filter((p) => p.split("/")[1] === "secrets")).toEqual([]);
      const secretFiles = await bundleFromTarBase64(/^SECRETS_B64=(.*)$/m.exec(String(apply.inputs.stdin))![1]);
      expect(Object.keys(shipped)).toEqual(
        expect.arrayContaining([
          "prometheus/prometheus.yml",
          "alertmanager/alertmanager.yml",
          "blackbox/blackbox.yml",
          "docker-compose.yml",
          "grafana/grafana.ini",
          "grafana/provisioning/datasources/datasources.yml",
        ]),
      );
      const prom = parse(shipped["prometheus/prometheus.yml"]);
      const sd = prom.scrape_configs.flatMap((c: { ec2_sd_configs?: unknown[] }) => c.ec2_sd_configs ?? []);
      expect(sd.length).toBeGreaterThan(0);
      for (const c of sd) {
        expect(c.region).toBe(region);
        expect(c.filters).toEqual(
          expect.arrayContaining([
            { name: "tag:Project", values: ["observed-app"] },
            { name: "tag:Stack", values: [stack] },
          ]),
        );
      }
      expect(JSON.stringify(prom.scrape_configs)).toContain(String(config["observed-app:appMetricsPort"]));
      expect(prom.global.external_labels).toEqual({
        stack: config["observed-app:environment"],
        ...(prod ? { replica: "a" } : {}),
      });
      expect(shipped["prometheus/prometheus.yml"]).toContain(`${appUrl}/health`);
      expect(shipped["docker-compose.yml"]).toContain(`--storage.tsdb.retention.time=${retention}`);
      // Pages, tickets and the heartbeat each go to their own topic.
      for (const t of ["alerts", "tickets", "heartbeat"]) {
        expect(shipped["alertmanager/alertmanager.yml"]).toContain(
          `topic_arn: arn:aws:sns:${region}:${ACCOUNT}:observed-app-${stack}-${t}`,
        );
      }
      expect(shipped["grafana/grafana.ini"]).toContain("admin_password = $__file{/etc/grafana/secrets/admin-password}");
      expect(secretFiles["grafana/secrets/admin-password"]).toBe("generated-grafana-password-0123");
      expect(shipped["grafana/provisioning/datasources/datasources.yml"]).toContain(`defaultRegion: ${region}`);
      // Prometheus and Alertmanager behind basic auth with the stack's generated password; no lifecycle API.
      const webPassword = `generated-observed-app-${stack}-monitoring-web-password-0123456789`;
      for (const svc of ["prometheus", "alertmanager"]) {
        const users = (parse(shipped[`${svc}/web.yml`]) as { basic_auth_users: Record<string, string> })
          .basic_auth_users;
        expect(Object.keys(users)).toEqual(["monitoring"]);
        expect(bcrypt.compareSync(webPassword, users.monitoring), `${svc} web.yml`).toBe(true);
        expect(shipped["docker-compose.yml"]).toContain(`--web.config.file=/etc/${svc}/web.yml`);
      }
      expect(shipped["docker-compose.yml"]).not.toContain("--web.enable-lifecycle");
      expect(shipped["prometheus/prometheus.yml"]).toMatch(/basic_auth:\s+username: monitoring/);
      expect(secretFiles["prometheus/secrets/web-password"]).toBe(webPassword);
      expect(secretFiles["grafana/secrets/grafana.env"]).toBe(`MONITORING_WEB_PASSWORD=${webPassword}\n`);
      expect(String(apply.inputs.stdin)).toMatch(
        new RegExp(`^WEB_USER=monitoring\nWEB_PASSWORD=${webPassword}\nSECRETS_B64=[A-Za-z0-9+/=]+\n$`),
      );
      expect(apply.redacted.stdin).toBe("[secret]");
      expect(String(apply.inputs.create)).not.toContain(webPassword);
      const hash = bundleHash(shipped);
      expect(copy.inputs.triggers).toEqual(expect.arrayContaining([hash]));
      // The secrets' hash re-applies a rotation too.
      expect(apply.inputs.triggers).toEqual(expect.arrayContaining([hash, bundleHash(secretFiles)]));
    });

    it("SSH host keys are generated by the stack, installed by cloud-init and pinned on every SSH step", () => {
      const hostKeys = run.byType("tls:index/privateKey:PrivateKey").filter((k) => k.name.endsWith("-host-key"));
      expect(hostKeys.map((k) => k.name).sort()).toEqual(
        [...appHosts, ...monitoringHosts].map((h) => `observed-app-${stack}-${h}-host-key`).sort(),
      );
      for (const i of run.byType("aws:ec2/instance:Instance")) {
        expect(i.redacted.userData, i.name).toBe("[secret]");
        const cloud = parse(String(i.inputs.userData).replace(/^#cloud-config\n/, ""));
        expect(String(i.inputs.userData).startsWith("#cloud-config\n")).toBe(true);
        expect(cloud).toMatchObject({ ssh_deletekeys: true, ssh_genkeytypes: [] });
        expect(cloud.ssh_keys.ed25519_private).toContain("BEGIN OPENSSH PRIVATE KEY");
        expect(cloud.ssh_keys.ed25519_public).toMatch(/^ssh-ed25519 /);
      }
      for (const c of run.resources.filter((r) => r.type.startsWith("command:remote:"))) {
        const conn = c.inputs.connection as { hostKey?: string };
        expect(conn.hostKey, c.name).toMatch(/^ssh-ed25519 \S+$/);
      }
    });

    it("no secret in plain text in any resource input (secrets reach resources only as Pulumi secrets)", async () => {
      const secrets = [
        TEST_API_TOKEN,
        "generated-grafana-password-0123",
        "monitoring-web-password-0123456789",
        "BEGIN OPENSSH PRIVATE KEY",
        "mock-ecr-password",
      ];
      for (const r of run.resources) {
        const text = JSON.stringify(r.redacted);
        for (const s of secrets) expect(text.includes(s), `${r.type} ${r.name} carries ${s} in plain text`).toBe(false);
      }
      if (appHost) {
        const deploy = run.one("command:remote:Command", "-app-deploy");
        expect(String(deploy.inputs.create)).not.toContain(TEST_API_TOKEN);
        expect(String(deploy.inputs.stdin)).toContain(`API_TOKEN=${TEST_API_TOKEN}`);
        expect(deploy.redacted.stdin).toBe("[secret]");
      } else {
        // The fleet's token reaches AWS only as the Secrets Manager secret's value (a Pulumi secret).
        const version = run.one("aws:secretsmanager/secretVersion:SecretVersion", "-app-fleet-token");
        expect(version.inputs.secretString).toBe(TEST_API_TOKEN);
        expect(version.redacted.secretString).toBe("[secret]");
      }
      const pulumi = await import("@pulumi/pulumi");
      expect(await run.output("monitoringUser")).toBe("monitoring");
      for (const o of [
        "grafanaAdminPassword",
        "monitoringPassword",
        "monitoringSshKey",
        ...(appHost ? ["appSshKey"] : []),
      ]) {
        expect(await pulumi.isSecret(run.exports[o] as never), o).toBe(true);
      }
    });
  });
}
