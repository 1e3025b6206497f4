/**
 * Mock-level (Pulumi mocks, no AWS): prod's monitoring as it deploys by default, an HA pair in two zones that
 * remote-writes to a managed workspace (dev's single host without either: monitoring-ha-dev.test.ts; one program
 * per file, since Pulumi's mocks are process-wide). The pair's behaviour itself (gossip,
 * one notification, failover, remote write and its backlog) is proven on the real binaries in tests/e2e.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runStack, type StackRun } from "../../scripts/lib/program-mocks";
import { SG_RULE, shippedConfig as shipped } from "../helpers/shipped-config";

let prod: StackRun;

beforeAll(async () => {
  prod = await runStack("prod");
}, 120_000);

/** The configuration a monitoring host receives (its bundle step's stdin), decoded. */

describe("prod monitoring: an HA pair writing to Amazon Managed Service for Prometheus (mock-level)", () => {
  it("two monitoring hosts, each in its own zone's subnet, with its own data volume", () => {
    const hosts = prod.byType("aws:ec2/instance:Instance").filter((i) => i.name.includes("-monitoring"));
    expect(hosts.map((h) => h.name).sort()).toEqual([
      "observed-app-prod-monitoring-b-host",
      "observed-app-prod-monitoring-host",
    ]);
    expect(new Set(hosts.map((h) => h.inputs.subnetId)).size).toBe(2);
    const zones = prod
      .byType("aws:ebs/volume:Volume")
      .filter((v) => v.name.includes("-monitoring"))
      .map((v) => v.inputs.availabilityZone);
    expect(new Set(zones).size).toBe(2);
  });

  it("a workspace, kept like data; each host's role may write to that workspace alone, and query it for Grafana", () => {
    const ws = prod.one("aws:amp/workspace:Workspace");
    expect(ws.opts).toMatchObject({ protect: true, retainOnDelete: true });
    const arn = `arn:aws:aps:${prod.region}:123456789012:workspace/ws-${ws.name}`;
    const policies = prod.byType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.name.includes("-monitoring"));
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      const doc = JSON.parse(String(p.inputs.policy)) as {
        Statement: { Sid: string; Action: unknown; Resource: unknown }[];
      };
      const write = doc.Statement.filter((s) => JSON.stringify(s.Action).includes("aps:RemoteWrite"));
      expect(write).toEqual([
        { Sid: "ManagedPrometheusWrite", Effect: "Allow", Action: "aps:RemoteWrite", Resource: arn },
      ]);
      const aps = doc.Statement.filter((s) => JSON.stringify(s.Action).includes("aps:"));
      expect(
        aps.every((s) => s.Resource === arn),
        p.name,
      ).toBe(true);
    }
  });

  it("the hosts admit each other on Alertmanager's API (9093) and gossip (9094 TCP and UDP), from the peer's group only", () => {
    const peerRules = prod.byType(SG_RULE).filter((r) => /-monitoring(-b)?-from-/.test(r.name));
    expect(
      peerRules
        .map(
          (r) =>
            `${r.inputs.securityGroupId} ${r.inputs.ipProtocol}/${r.inputs.fromPort} ← ${r.inputs.referencedSecurityGroupId}`,
        )
        .sort(),
    ).toEqual([
      "observed-app-prod-monitoring-b-sg-id tcp/9093 ← observed-app-prod-monitoring-sg-id",
      "observed-app-prod-monitoring-b-sg-id tcp/9094 ← observed-app-prod-monitoring-sg-id",
      "observed-app-prod-monitoring-b-sg-id udp/9094 ← observed-app-prod-monitoring-sg-id",
      "observed-app-prod-monitoring-sg-id tcp/9093 ← observed-app-prod-monitoring-b-sg-id",
      "observed-app-prod-monitoring-sg-id tcp/9094 ← observed-app-prod-monitoring-b-sg-id",
      "observed-app-prod-monitoring-sg-id udp/9094 ← observed-app-prod-monitoring-b-sg-id",
    ]);
    for (const r of peerRules) expect(r.inputs.cidrIpv4).toBeUndefined();
    // Both hosts scrape the app: its metrics and node ports admit each monitoring host's group.
    const scrape = prod.byType(SG_RULE).filter((r) => /-scrape-/.test(r.name));
    expect(new Set(scrape.map((r) => r.inputs.referencedSecurityGroupId))).toEqual(
      new Set(["observed-app-prod-monitoring-sg-id", "observed-app-prod-monitoring-b-sg-id"]),
    );
  });

  it("each host's bundle: its replica label, the other as cluster peer and second Alertmanager, remote write to the workspace", async () => {
    const ws = prod.one("aws:amp/workspace:Workspace");
    const bundles = {
      monitoring: await shipped(prod, "monitoring"),
      "monitoring-b": await shipped(prod, "monitoring-b"),
    };
    /** The private address a host's Alertmanager advertises to the cluster (its own, from its own bundle). */
    const advertised = (host: keyof typeof bundles) =>
      (parse(bundles[host]["docker-compose.yml"]).services.alertmanager.command as string[])
        .find((f) => f.startsWith("--cluster.advertise-address="))!
        .replace(/^--cluster.advertise-address=(.*):9094$/, "$1");
    for (const [host, replica, peer] of [
      ["monitoring", "a", "monitoring-b"],
      ["monitoring-b", "b", "monitoring"],
    ] as const) {
      const files = bundles[host];
      const prom = parse(files["prometheus/prometheus.yml"]);
      expect(prom.global.external_labels).toEqual({ stack: "prod", replica });
      expect(prom.alerting.alert_relabel_configs).toEqual([{ action: "labeldrop", regex: "replica" }]);
      const peerIp = advertised(peer);
      expect(peerIp).toMatch(/^10\.\d+\.\d+\.\d+$/);
      expect(peerIp).not.toBe(advertised(host));
      expect(prom.alerting.alertmanagers[1].static_configs[0].targets).toEqual([`${peerIp}:9093`]);
      // The peer's own certificate (the one it serves) is the only one trusted for its Alertmanager.
      expect(files["prometheus/tls/peer-1.crt"]).toBe(bundles[peer]["prometheus/tls/server.crt"]);
      expect(files["prometheus/tls/peer-1.crt"]).not.toBe(files["prometheus/tls/server.crt"]);
      expect(prom.remote_write[0].url).toBe(
        `https://aps-workspaces.${prod.region}.amazonaws.com/workspaces/ws-${ws.name}/api/v1/remote_write`,
      );
      expect(prom.remote_write[0].sigv4).toEqual({ region: prod.region });
      const am = parse(files["docker-compose.yml"]).services.alertmanager.command as string[];
      expect(am).toEqual(
        expect.arrayContaining([
          "--cluster.listen-address=0.0.0.0:9094",
          `--cluster.advertise-address=${advertised(host)}:9094`,
          `--cluster.peer=${peerIp}:9094`,
        ]),
      );
      const ds = parse(files["grafana/provisioning/datasources/datasources.yml"]).datasources as {
        name: string;
        url: string;
      }[];
      expect(ds.find((d) => d.name === "Managed Prometheus")?.url).toBe(
        `https://aps-workspaces.${prod.region}.amazonaws.com/workspaces/ws-${ws.name}/`,
      );
    }
  });

  it("outputs: every replica's URLs and fingerprint, and the workspace", async () => {
    const replicas = (await prod.output("monitoringReplicas")) as { replica: string; grafanaUrl: string }[];
    expect(replicas.map((r) => r.replica)).toEqual(["a", "b"]);
    expect(replicas[0].grafanaUrl).toBe(await prod.output("grafanaUrl"));
    expect(await prod.output("managedPrometheusRemoteWriteUrl")).toMatch(/\/api\/v1\/remote_write$/);
  });
});
