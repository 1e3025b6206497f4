import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import {
  allAlerts,
  bundleHash,
  renderBundle,
  splitSecrets,
  settingsForStack,
  validateSettings,
  type Bundle,
  type MonitoringSettings,
} from "../../monitoring-config";
import { profile } from "./profiles";
import { ensureBinaries } from "../../scripts/lib/binaries";
import { writeBundle } from "../../scripts/lib/bundle-io";
import { tempDir } from "../../testkit/service-process";
import { ALERT_CASES, promtoolTests } from "./rule-cases";
import { mountedAt } from "../helpers/container-paths";

const bin = ensureBinaries();

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** Every variant the product renders: local, test profile, both AWS stacks, and one with every receiver and auth. */
const variants: Record<string, MonitoringSettings> = {
  local: profile("local"),
  test: profile("test"),
  dev: profile("dev", { grafana: { adminPassword: "dev-admin-password-1" } }),
  prod: profile("prod", { grafana: { adminPassword: "prod-admin-password-1" } }),
  everything: profile("prod", {
    grafana: { adminPassword: "prod-admin-password-1" },
    basicAuth: { username: "ops", password: "correct-horse-battery" },
    smtp: {
      smarthost: "smtp.example.com:587",
      from: "alerts@example.com",
      username: "u",
      password: "example-smtp-password-0",
    },
    receivers: {
      page: {
        sns: { topicArn: "arn:aws:sns:eu-west-1:123456789012:alerts", region: "eu-west-1" },
        slack: { apiUrl: "https://hooks.slack.com/services/T/B/X", channel: "#oncall" },
        email: { to: "oncall@example.com" },
        webhook: { url: "https://hooks.example.com/page" },
      },
      ticket: { email: { to: "team@example.com" } },
      heartbeat: { webhook: { url: "https://heartbeat.example.com/ping" } },
    },
  }),
};

/** The bundle written to a directory, its container paths pointing there (the certificates' paths included). */
function rendered(name: string): { dir: string; bundle: Bundle } {
  const dir = tempDir(`bundle-${name}-`);
  const bundle = renderBundle(variants[name]);
  writeBundle(mountedAt(bundle, dir), dir);
  return { dir, bundle };
}

describe("rendered bundle against the real promtool and amtool", () => {
  for (const name of Object.keys(variants)) {
    it(`${name}: promtool check config (with rules) and amtool check-config pass`, () => {
      const { dir, bundle } = rendered(name);
      const prom = run(bin.promtool, ["check", "config", join(dir, "prometheus/prometheus.yml")]);
      expect(prom.code, prom.out).toBe(0);
      expect(prom.out).toMatch(/4 rule files found/);
      const rules = run(bin.promtool, [
        "check",
        "rules",
        ...readdirSync(join(dir, "prometheus/rules")).map((f) => join(dir, "prometheus/rules", f)),
      ]);
      expect(rules.code, rules.out).toBe(0);
      const am = run(bin.amtool, ["check-config", join(dir, "alertmanager/alertmanager.yml")]);
      expect(am.code, am.out).toBe(0);
      if (bundle["prometheus/web.yml"]) {
        const web = run(bin.promtool, ["check", "web-config", join(dir, "prometheus/web.yml")]);
        expect(web.code, web.out).toBe(0);
      }
    });
  }

  it("promtool check web-config rejects a broken web.yml (the check can fail)", () => {
    const dir = tempDir("web-");
    writeFileSync(join(dir, "web.yml"), stringify({ basic_auth_users: { ops: "not-a-bcrypt-hash" } }));
    expect(run(bin.promtool, ["check", "web-config", join(dir, "web.yml")]).code).not.toBe(0);
  });

  it("secrets live only in <service>/secrets/ files: no other file of any variant holds a credential", () => {
    for (const [name, settings] of Object.entries(variants)) {
      const { config, secrets } = splitSecrets(renderBundle(settings));
      const credentials = [
        settings.grafana.adminPassword,
        settings.basicAuth?.password,
        settings.smtp?.password,
        settings.tls?.keyPem.split("\n")[1],
        ...Object.values(settings.receivers).map((r) => r.slack?.apiUrl),
      ].filter((c): c is string => !!c && c.length > 0);
      for (const [path, text] of Object.entries(config)) {
        for (const c of credentials) expect(text.includes(c), `${name}: ${path} holds a credential`).toBe(false);
      }
      if (settings.basicAuth) expect(Object.keys(secrets)).toContain("prometheus/secrets/web-password");
    }
  });

  it("basic auth: web.yml holds a bcrypt hash that verifies the password, and scrapes carry credentials", async () => {
    const bundle = renderBundle(variants.everything);
    const web = bundle["prometheus/web.yml"];
    const hash = /ops: (\S+)/.exec(web)?.[1] ?? "";
    expect(hash).toMatch(/^\$2[aby]\$10\$/);
    const bcrypt = await import("bcryptjs");
    expect(bcrypt.compareSync("correct-horse-battery", hash)).toBe(true);
    expect(bundle["prometheus/prometheus.yml"]).toMatch(
      /basic_auth:\s+username: ops\s+password_file: \/etc\/prometheus\/secrets\/web-password/,
    );
    expect(bundle["prometheus/secrets/web-password"]).toBe("correct-horse-battery");
    // A given salt is used as is; the file still verifies and the hash changes with the salt.
    const salted = (salt: string) =>
      renderBundle(profile("prod", { ...variants.everything, basicAuth: { ...variants.everything.basicAuth!, salt } }))[
        "prometheus/web.yml"
      ];
    const a = /ops: (\S+)/.exec(salted("abcdefghijklmnopqrstuO"))?.[1] ?? "";
    expect(a.startsWith("$2b$10$abcdefghijklmnopqrstuO")).toBe(true);
    expect(bcrypt.compareSync("correct-horse-battery", a)).toBe(true);
    expect(salted("zbcdefghijklmnopqrstuO")).not.toBe(salted("abcdefghijklmnopqrstuO"));
    expect(() => salted("short")).toThrow(/basicAuth.salt.*22 bcrypt-alphabet characters/);
  });

  it("promtool test rules: every alert fires with its labels and annotations, not before its for, not below its threshold", () => {
    const s = variants.local;
    const { dir } = rendered("local");
    const alerts = allAlerts(s);
    // Every shipped alert has a case, and every case names a shipped alert.
    expect(ALERT_CASES.map((c) => c.alert).sort()).toEqual(alerts.map((a) => a.alert).sort());
    const ruleFiles = readdirSync(join(dir, "prometheus/rules")).map((f) => join(dir, "prometheus/rules", f));
    const testFile = join(dir, "rules.test.yml");
    writeFileSync(testFile, stringify(promtoolTests(ruleFiles, alerts), { lineWidth: 0 }));
    const r = run(bin.promtool, ["test", "rules", testFile]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS/);
    // promtool evaluates every case's series minute by minute: ~5 s alone, ~20 s beside the rehearsal's builds.
  }, 90_000);

  it("promtool test rules catches a wrong threshold (the unit tests can fail)", () => {
    const s = profile("local", { thresholds: { errorRatio: 0.2 } });
    const dir = tempDir("bad-rules-");
    writeBundle(renderBundle(s), dir);
    const ruleFiles = readdirSync(join(dir, "prometheus/rules")).map((f) => join(dir, "prometheus/rules", f));
    const testFile = join(dir, "rules.test.yml");
    writeFileSync(testFile, stringify(promtoolTests(ruleFiles, allAlerts(s)), { lineWidth: 0 }));
    const r = run(bin.promtool, ["test", "rules", testFile]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/HighErrorRate/);
    // promtool evaluates every case's series minute by minute: ~5 s alone, ~20 s beside the rehearsal's builds.
  }, 90_000);

  it("promtool rejects an invalid rule file", () => {
    const dir = tempDir("invalid-rule-");
    const file = join(dir, "bad.yml");
    writeFileSync(file, stringify({ groups: [{ name: "x", rules: [{ alert: "Broken", expr: "sum(rate(up[5m]" }] }] }));
    expect(run(bin.promtool, ["check", "rules", file]).code).not.toBe(0);
  });
});

describe("alert rules and routing", () => {
  const s = variants.local;
  it("every alert has severity, summary, description and a runbook anchor that exists in docs/runbooks.md", async () => {
    const { readFileSync } = await import("node:fs");
    const runbooks = readFileSync(join(__dirname, "..", "..", "docs", "runbooks.md"), "utf8");
    for (const a of allAlerts(s)) {
      expect(["critical", "warning", "info"]).toContain(a.labels.severity);
      expect(a.annotations.summary.length).toBeGreaterThan(10);
      expect(a.annotations.description.length).toBeGreaterThan(10);
      const anchor = a.annotations.runbook_url.split("#")[1];
      expect(anchor).toBe(a.alert.toLowerCase());
      expect(runbooks, `runbook section for ${a.alert}`).toMatch(new RegExp(`^## ${a.alert}$`, "m"));
    }
  });

  it("thresholds and for durations come from settings", () => {
    const custom = profile("local", { thresholds: { errorRatio: 0.02, errorRateFor: "7m" } });
    const rule = allAlerts(custom).find((a) => a.alert === "HighErrorRate");
    expect(rule?.expr).toMatch(/> 0.02$/);
    expect(rule?.for).toBe("7m");
  });

  it("every alert's for is a setting: distinct custom durations all show up, none of the defaults remain", () => {
    const s = profile("local");
    const custom: string[] = [];
    const next = () => {
      custom.push(`1h${custom.length + 1}s`);
      return custom[custom.length - 1];
    };
    for (const k of Object.keys(s.thresholds) as (keyof typeof s.thresholds)[]) {
      if (k.endsWith("For")) (s.thresholds as unknown as Record<string, string>)[k] = next();
    }
    s.slo.pageFor = next();
    s.slo.ticketFor = next();
    const fors = allAlerts(s)
      .filter((a) => a.alert !== "Watchdog")
      .map((a) => [a.alert, a.for ?? "none"]);
    for (const [alert, f] of fors) expect(custom, `${alert} has for=${f}`).toContain(f);
    expect(allAlerts(s).find((a) => a.alert === "Watchdog")?.for).toBeUndefined();
  });

  it("amtool routes each severity to its receiver and Watchdog to the heartbeat", () => {
    const { dir } = rendered("local");
    const cfg = join(dir, "alertmanager/alertmanager.yml");
    const route = (labels: string[]) =>
      execFileSync(bin.amtool, ["config", "routes", "test", `--config.file=${cfg}`, ...labels], {
        encoding: "utf8",
      }).trim();
    expect(route(["alertname=ServiceDown", "severity=critical"])).toBe("page");
    expect(route(["alertname=HighLatencyP95", "severity=warning"])).toBe("ticket");
    expect(route(["alertname=Something", "severity=info"])).toBe("null");
    expect(route(["alertname=Watchdog", "severity=info"])).toBe("heartbeat");
  });

  it("AWS stacks discover targets by tag and notify the SNS topic with an explicit region", () => {
    const b = renderBundle(variants.dev);
    expect(b["prometheus/prometheus.yml"]).toMatch(/ec2_sd_configs/);
    expect(b["prometheus/prometheus.yml"]).toMatch(/tag:Stack/);
    expect(b["prometheus/prometheus.yml"]).toMatch(/__meta_ec2_private_ip/);
    expect(b["alertmanager/alertmanager.yml"]).toMatch(/sns_configs:[\s\S]*sigv4:\s+region: eu-west-1/);
    expect(b["grafana/provisioning/datasources/datasources.yml"]).toMatch(/type: cloudwatch/);
  });

  it("AWS: the monitoring host is left out of discovery and its own node_exporter is scraped on loopback", () => {
    const prom = parse(renderBundle(variants.prod)["prometheus/prometheus.yml"]) as {
      scrape_configs: {
        job_name: string;
        ec2_sd_configs?: { filters: { name: string; values: string[] }[] }[];
        static_configs?: { targets: string[] }[];
        relabel_configs?: { source_labels?: string[]; regex?: string; action?: string }[];
      }[];
    };
    const job = (name: string) => prom.scrape_configs.find((j) => j.job_name === name)!;
    for (const name of ["taskflow", "node"]) {
      const filters = job(name).ec2_sd_configs![0].filters;
      expect(filters).toContainEqual({ name: "tag:Stack", values: ["prod"] });
      expect(filters).toContainEqual({ name: "instance-state-name", values: ["running"] });
      expect(job(name).relabel_configs).toContainEqual({
        source_labels: ["__meta_ec2_tag_Role"],
        regex: "monitoring",
        action: "drop",
      });
    }
    expect(job("taskflow").ec2_sd_configs![0].filters).toContainEqual({ name: "tag:Role", values: ["app"] });
    expect(job("node").static_configs![0].targets).toEqual(["127.0.0.1:9100"]);
    const compose = parse(renderBundle(variants.prod)["docker-compose.yml"]) as {
      services: Record<string, { command: string[] }>;
    };
    expect(compose.services["node-exporter"].command).toContain("--web.listen-address=127.0.0.1:9100");
  });
});

const ec2Targets = profile("dev").targets as Extract<MonitoringSettings["targets"], { kind: "ec2" }>;

describe("bundle rendering", () => {
  it("is deterministic: same settings, same bytes and hash", () => {
    const a = renderBundle(profile("prod", { grafana: { adminPassword: "prod-admin-password-1" } }));
    const b = renderBundle(profile("prod", { grafana: { adminPassword: "prod-admin-password-1" } }));
    expect(a).toEqual(b);
    expect(bundleHash(a)).toBe(bundleHash(b));
    const c = renderBundle(profile("prod", { grafana: { adminPassword: "prod-admin-password-2" } }));
    expect(bundleHash(c)).not.toBe(bundleHash(a));
  });

  it.each<[string, (s: MonitoringSettings) => void, RegExp]>([
    ["scrape interval", (s) => (s.scrapeInterval = "fast"), /scrapeInterval="fast".*duration/],
    ["error ratio", (s) => (s.thresholds.errorRatio = 5), /thresholds.errorRatio=5.*ratio/],
    ["SLO objective", (s) => (s.slo.objective = 99.9), /slo.objective=99.9/],
    [
      "static target",
      (s) => s.targets.kind === "static" && (s.targets.app = ["nohost"]),
      /targets.app\[0\]="nohost".*host:port/,
    ],
    ["probe URL", (s) => (s.probeUrls = ["ftp://x"]), /probeUrls\[0\].*http/],
    ["empty receiver", (s) => (s.receivers.page = {}), /receivers.page.*sns, slack, email, webhook/],
    ["SNS ARN", (s) => (s.receivers.page = { sns: { topicArn: "topic", region: "eu-west-1" } }), /topicArn="topic"/],
    ["e-mail without smtp", (s) => (s.receivers.ticket = { email: { to: "a@b.co" } }), /smtp.*required/],
    ["short password", (s) => (s.basicAuth = { username: "u", password: "short" }), /basicAuth.password/],
    ["burn windows", (s) => (s.slo.page = []), /slo.page.*at least one/],
    ["SLO period", (s) => (s.slo.period = "1d"), /slo.period="1d".*longest burn window/],
    ["Grafana password", (s) => (s.grafana.adminPassword = 'a"""b\nc'), /grafana.adminPassword.*line breaks/],
    [
      "basic-auth user",
      (s) => (s.basicAuth = { username: "ops: x", password: "correct-horse-battery" }),
      /basicAuth.username="ops: x".*letters, digits/,
    ],
    ["EC2 region", (s) => (s.targets = { ...ec2Targets, region: "mars" }), /targets.region="mars".*AWS region/],
    ["EC2 tags", (s) => (s.targets = { ...ec2Targets, tags: {} }), /targets.tags.*at least one tag filter/],
    [
      "remote-write URL",
      (s) => (s.remoteWrite = { ...profile("prod").remoteWrite!, url: "aps" }),
      /remoteWrite.url="aps".*http/,
    ],
    [
      "remote-write shards",
      (s) =>
        (s.remoteWrite = {
          ...profile("prod").remoteWrite!,
          queue: { ...profile("prod").remoteWrite!.queue, minShards: 99 },
        }),
      /remoteWrite.queue.minShards=99.*at most maxShards/,
    ],
    ["HA replica", (s) => (s.ha = { ...profile("prod").ha!, replica: "a b" }), /ha.replica="a b".*letters/],
    ["HA peers", (s) => (s.ha = { ...profile("prod").ha!, clusterPeers: [] }), /ha.clusterPeers.*at least one peer/],
    [
      "HA peer address",
      (s) => (s.ha = { ...profile("prod").ha!, clusterPeers: ["10.0.0.1"] }),
      /ha.clusterPeers\[0\]="10.0.0.1".*host:port/,
    ],
  ])("rejects a bad %s naming the key and what is allowed", (_name, mutate, message) => {
    const s = profile("local");
    mutate(s);
    expect(() => validateSettings(s)).toThrow(message);
  });

  it("mock-level (rendered files): prod is one member of an HA pair that remote-writes to the managed workspace; dev is neither", () => {
    const prod = variants.prod;
    const files = renderBundle(prod);
    const prom = parse(files["prometheus/prometheus.yml"]);
    // Series carry the replica (the workspace deduplicates on it); alerts do not (one alert to the Alertmanagers).
    expect(prom.global.external_labels).toEqual({ stack: "prod", replica: "a" });
    expect(prom.alerting.alert_relabel_configs).toEqual([{ action: "labeldrop", regex: "replica" }]);
    // Every alert goes to this host's Alertmanager and to the peer's, trusting the peer's own certificate.
    const peer = prom.alerting.alertmanagers[1];
    expect(peer.static_configs[0].targets).toEqual(["10.40.1.20:9093"]);
    expect(peer.tls_config).toEqual({ ca_file: "/etc/prometheus/tls/peer-1.crt", server_name: "127.0.0.1" });
    expect(files["prometheus/tls/peer-1.crt"]).toBe(prod.ha!.peerAlertmanagers[0].certPem);
    expect(prom.remote_write).toEqual([
      expect.objectContaining({
        name: "long-term",
        url: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef/api/v1/remote_write",
        sigv4: { region: "eu-west-1" },
      }),
    ]);
    // 10 000 series every 15 s = 667 samples/s; 50 × that at 4 000 samples/s per shard = 9 shards.
    expect(prom.remote_write[0].queue_config).toMatchObject({
      max_shards: 9,
      max_samples_per_send: 1000,
      capacity: 5000,
    });
    const am = parse(files["docker-compose.yml"]).services.alertmanager.command as string[];
    expect(am).toEqual(
      expect.arrayContaining([
        "--cluster.listen-address=0.0.0.0:9094",
        "--cluster.advertise-address=10.40.0.20:9094",
        "--cluster.peer=10.40.1.20:9094",
        "--cluster.peer-timeout=15s",
      ]),
    );
    expect(files["prometheus/rules/meta.yml"]).toMatch(/alertmanager_cluster_members < 2/);
    const ds = parse(files["grafana/provisioning/datasources/datasources.yml"]).datasources;
    expect(ds.find((d: { name: string }) => d.name === "Managed Prometheus")).toMatchObject({
      type: "prometheus",
      url: prod.grafana.managedPrometheus!.url,
      jsonData: { sigV4Auth: true, sigV4AuthType: "default", sigV4Region: "eu-west-1" },
    });
    expect(files["grafana/grafana.ini"]).toMatch(/\[auth\]\nsigv4_auth_enabled = true/);

    const dev = renderBundle(variants.dev);
    const devProm = parse(dev["prometheus/prometheus.yml"]);
    expect(devProm.global.external_labels).toEqual({ stack: "dev" });
    expect(devProm.remote_write).toBeUndefined();
    expect(devProm.alerting.alertmanagers).toHaveLength(1);
    expect(parse(dev["docker-compose.yml"]).services.alertmanager.command).toContain("--cluster.listen-address=");
    expect(dev["grafana/grafana.ini"]).not.toMatch(/sigv4/);
  });

  it("rejects an unknown stack and AWS stacks without a Grafana admin password", () => {
    expect(() => settingsForStack("staging" as never)).toThrow(/stack="staging".*local, test, dev, prod/);
    expect(() => renderBundle(profile("dev"))).toThrow(/grafana.adminPassword/);
  });
});
