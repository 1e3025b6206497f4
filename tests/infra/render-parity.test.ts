/**
 * Mock-level (Pulumi mocks, no AWS): `npm run render -- --stack prod` shows what prod's monitoring hosts receive
 * (render-parity-assertions.ts), remote_write, the HA peer and TLS included; and the comparison fails when render
 * drops an input. Dev: render-parity-dev.test.ts (one program per file: Pulumi's mocks are process-wide).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { parse } from "yaml";
import { monitoringSettingsFor } from "../../components/monitoring-inputs";
import { renderBundle } from "../../monitoring-config";
import { REPO_ROOT } from "../../scripts/lib/paths";
import { deployedMarkers, hostSettings, renderStack, stackSource } from "../../scripts/lib/render-stack";
import { describeRenderParity, differences, normalize, shippedNormalized } from "./render-parity-assertions";

describeRenderParity("prod", (prod) => {
  it("render shows remote_write to the workspace, the HA peer and TLS, as prod deploys them", () => {
    const workspace = "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/<workspace id>/";
    for (const [replica, self, peer] of [
      [0, "a", "b"],
      [1, "b", "a"],
    ] as const) {
      const files = renderStack("prod", { replica }).bundle;
      const prom = parse(files["prometheus/prometheus.yml"]);
      expect(prom.global.external_labels).toEqual({ stack: "prod", replica: self });
      expect(prom.remote_write).toHaveLength(1);
      expect(prom.remote_write[0].url).toBe(`${workspace}api/v1/remote_write`);
      expect(prom.remote_write[0].sigv4).toEqual({ region: "eu-west-1" });
      expect(prom.alerting.alertmanagers[1].static_configs[0].targets).toEqual([
        `<monitoring ${peer} private ip>:9093`,
      ]);
      expect(prom.alerting.alertmanagers[1].scheme).toBe("https");
      const am = parse(files["docker-compose.yml"]).services.alertmanager.command as string[];
      expect(am).toEqual(
        expect.arrayContaining([
          "--cluster.listen-address=0.0.0.0:9094",
          `--cluster.advertise-address=<monitoring ${self} private ip>:9094`,
          `--cluster.peer=<monitoring ${peer} private ip>:9094`,
        ]),
      );
      for (const svc of ["prometheus", "alertmanager", "grafana"]) {
        expect(files[`${svc}/tls/server.crt`]).toBe(`<monitoring ${self} TLS certificate>`);
        expect(files[`${svc}/secrets/server.key`]).toBe(`<monitoring ${self} TLS key>`);
      }
      expect(files["prometheus/tls/peer-1.crt"]).toBe(`<monitoring ${peer} TLS certificate>`);
      expect(parse(files["prometheus/web.yml"]).tls_server_config).toMatchObject({ min_version: "TLS12" });
      expect(files["grafana/grafana.ini"]).toContain("protocol = https");
      const ds = parse(files["grafana/provisioning/datasources/datasources.yml"]).datasources as { url: string }[];
      expect(ds.map((d) => d.url)).toContain(workspace);
    }
  });

  it("the CLI prints them, and says what it shows", () => {
    const tsx = join(REPO_ROOT, "node_modules", ".bin", "tsx");
    const r = spawnSync(tsx, [join(REPO_ROOT, "scripts", "render.ts"), "--stack", "prod"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^remote_write:$/m);
    expect(r.stdout).toContain("--cluster.peer=<monitoring b private ip>:9094");
    expect(r.stdout).toContain("# ==> prometheus/tls/peer-1.crt <==\n<monitoring b TLS certificate>");
    expect(r.stdout).toMatch(
      /HA pair: replica a of 2, Alertmanager clustered with <monitoring b private ip>:9094; remote_write to Amazon Managed Service for Prometheus; TLS on every UI; app tier fleet/,
    );
  });

  it("the comparison fails when render drops an input: without managedPrometheus, remote_write and the datasource differ", async () => {
    const source = stackSource("prod");
    const host = hostSettings(source.settings);
    const dropped = monitoringSettingsFor(
      { ...host, monitoring: { ...host.monitoring, managedPrometheus: false } },
      deployedMarkers(source, 0),
      0,
    );
    const shipped = await shippedNormalized(prod(), source, 0);
    expect(differences(normalize(renderStack("prod").bundle), shipped)).toEqual([]);
    expect(differences(normalize(renderBundle(dropped, { preview: true })), shipped)).toEqual(
      expect.arrayContaining(["grafana/provisioning/datasources/datasources.yml", "prometheus/prometheus.yml"]),
    );
  });
});
