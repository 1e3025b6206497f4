/**
 * The prod bundle's Prometheus and Alertmanager, started from the real Debian binaries with the exact flags of
 * its docker-compose.yml (paths mapped to a temporary directory, loopback on free ports): they speak only TLS
 * with the host's certificate, basic auth is enforced, Prometheus reaches itself and Alertmanager over TLS
 * (trusting that certificate alone), its lifecycle API is off, SIGHUP reloads (what monitoring-apply.sh sends),
 * and `npm run verify`'s checks pass when pinned to the certificate with the stack's credentials, and fail
 * without them or pinned to another certificate.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderBundle, type MonitoringSettings } from "../../monitoring-config";
import { certificateFingerprint } from "../../components/host";
import { pinnedFetch } from "../../scripts/lib/pinned-fetch";
import { ensureBinaries } from "../../scripts/lib/binaries";
import { writeBundle } from "../../scripts/lib/bundle-io";
import { freePort } from "../../scripts/lib/net";
import { tempDir } from "../../testkit/service-process";
import { authHeaders, checkAlertmanager, checkPrometheusReady, checksFor, runChecks } from "../../scripts/verify";
import { mountedAt } from "../helpers/container-paths";
import { exampleHostTls, profile } from "./profiles";

let settings: MonitoringSettings;
let auth: { username: string; password: string };
/** fetch pinned to the monitoring host's certificate, as `npm run verify` reaches it. */
let pinned: typeof fetch;
const basic = (username: string, password: string) => authHeaders({ username, password });
const procs: ChildProcess[] = [];
const urls = { prometheus: "", alertmanager: "" };
let prometheus: ChildProcess;

/** The service's command from docker-compose.yml, with container paths and the listen address mapped. */
function flags(
  compose: { services: Record<string, { command: string[] }> },
  svc: string,
  paths: Record<string, string>,
  port: number,
) {
  return compose.services[svc].command.flatMap((f) => {
    if (f.startsWith("--web.listen-address=")) return [`--web.listen-address=127.0.0.1:${port}`];
    // The HA pair's gossip (its peer is a private address of another host) is proven in
    // tests/e2e/alertmanager-cluster.test.ts; here this member runs alone.
    if (f.startsWith("--cluster.listen-address=")) return ["--cluster.listen-address="];
    if (f.startsWith("--cluster.")) return [];
    for (const [from, to] of Object.entries(paths))
      if (f.includes(`=${from}`)) return [f.replace(`=${from}`, `=${to}`)];
    return [f];
  });
}

beforeAll(async () => {
  const bin = ensureBinaries(() => {});
  const dir = tempDir("web-auth-");
  const [pp, ap] = [await freePort(), await freePort()];
  // The prod settings on these ports, on one-second clocks so that the Watchdog reaches Alertmanager soon (the
  // first notification can go before Alertmanager is discovered; the resend delay brings the next).
  settings = profile("prod", {
    grafana: { adminPassword: "example-grafana-password-0" },
    listen: { prometheusPort: pp, alertmanagerPort: ap },
    scrapeInterval: "1s",
    scrapeTimeout: "1s",
    evaluationInterval: "1s",
    alertResendDelay: "1s",
  });
  auth = { username: settings.basicAuth!.username, password: settings.basicAuth!.password };
  pinned = pinnedFetch(certificateFingerprint(settings.tls!.certPem));
  const b = join(dir, "bundle");
  writeBundle(mountedAt(renderBundle(settings), b), b);
  const compose = parse(renderBundle(settings)["docker-compose.yml"]) as {
    services: Record<string, { command: string[] }>;
  };
  for (const d of ["prometheus-data", "alertmanager-data"]) mkdirSync(join(dir, d));
  prometheus = spawn(
    bin.prometheus,
    flags(
      compose,
      "prometheus",
      { "/etc/prometheus": join(b, "prometheus"), "/prometheus": join(dir, "prometheus-data") },
      pp,
    ),
    // prod remote-writes with SigV4: Prometheus refuses to load that configuration without AWS credentials (on the
    // host the instance role gives them). Example keys let it sign; the workspace is never reached from here.
    {
      stdio: "ignore",
      env: { ...process.env, AWS_ACCESS_KEY_ID: "AKIAEXAMPLEEXAMPLE00", AWS_SECRET_ACCESS_KEY: "example" },
    },
  );
  const alertmanager = spawn(
    bin.alertmanager,
    flags(
      compose,
      "alertmanager",
      { "/etc/alertmanager": join(b, "alertmanager"), "/alertmanager": join(dir, "alertmanager-data") },
      ap,
    ),
    { stdio: "ignore" },
  );
  procs.push(prometheus, alertmanager);
  urls.prometheus = `https://127.0.0.1:${pp}`;
  urls.alertmanager = `https://127.0.0.1:${ap}`;
  // Ready once verify's own (pinned, authenticated) checks pass.
  for (const [name, check] of [
    ["prometheus", () => checkPrometheusReady(urls.prometheus, auth, pinned)()],
    ["alertmanager", () => checkAlertmanager(urls.alertmanager, auth, pinned)()],
  ] as const) {
    const deadline = Date.now() + 30_000;
    while (!(await check()).ok) {
      if (Date.now() > deadline) throw new Error(`${name} did not become ready with basic auth`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}, 60_000);

afterAll(() => {
  for (const p of procs) p.kill("SIGKILL");
});

describe("prod bundle: Prometheus and Alertmanager over TLS, behind basic auth (real binaries, compose flags)", () => {
  it("refuse requests without credentials or with a wrong password (401), and answer with the stack's", async () => {
    for (const base of [urls.prometheus, urls.alertmanager]) {
      expect((await pinned(`${base}/-/ready`)).status).toBe(401);
      expect((await pinned(`${base}/-/ready`, { headers: basic(auth.username, "wrong-password-000") })).status).toBe(
        401,
      );
      expect((await pinned(`${base}/-/ready`, { headers: basic(auth.username, auth.password) })).status).toBe(200);
    }
    expect((await pinned(`${urls.alertmanager}/api/v2/silences`)).status).toBe(401);
    expect((await pinned(`${urls.prometheus}/api/v1/query?query=up`)).status).toBe(401);
  });

  it("speak only TLS with the host's certificate: plain HTTP gets 400, a client pinned to another certificate stops", async () => {
    const headers = basic(auth.username, auth.password);
    const other = pinnedFetch(certificateFingerprint(exampleHostTls("other", "203.0.113.99").certPem));
    for (const base of [urls.prometheus, urls.alertmanager]) {
      expect((await fetch(base.replace("https:", "http:") + "/-/ready", { headers })).status).toBe(400);
      await expect(other(`${base}/-/ready`, { headers })).rejects.toThrow(/is not the pinned/);
      // Node's default trust store does not know the self-signed certificate either.
      await expect(fetch(`${base}/-/ready`, { headers })).rejects.toThrow();
    }
  });

  it(
    "Prometheus scrapes itself and Alertmanager and delivers alerts over TLS, trusting the host's certificate",
    { timeout: 60_000 },
    async () => {
      const headers = basic(auth.username, auth.password);
      const deadline = Date.now() + 30_000;
      let up: { metric: { job: string }; value: [number, string] }[] = [];
      let watchdog = false;
      while (Date.now() < deadline) {
        const q = await pinned(`${urls.prometheus}/api/v1/query?query=up{job=~"prometheus|alertmanager"}`, { headers });
        up = ((await q.json()) as { data: { result: typeof up } }).data.result;
        const alerts = (await (await pinned(`${urls.alertmanager}/api/v2/alerts`, { headers })).json()) as {
          labels: { alertname: string };
        }[];
        watchdog = alerts.some((a) => a.labels.alertname === "Watchdog");
        if (watchdog && up.length === 2 && up.every((r) => r.value[1] === "1")) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(up.map((r) => `${r.metric.job}=${r.value[1]}`).sort()).toEqual(["alertmanager=1", "prometheus=1"]);
      expect(watchdog).toBe(true);
    },
  );

  it("Prometheus's lifecycle API is off even with credentials; SIGHUP reloads the configuration", async () => {
    const headers = basic(auth.username, auth.password);
    for (const path of ["/-/reload", "/-/quit"]) {
      expect((await pinned(`${urls.prometheus}${path}`, { method: "POST", headers })).status, path).toBe(403);
    }
    const lastConfig = async () =>
      (
        (await (await pinned(`${urls.prometheus}/api/v1/status/runtimeinfo`, { headers })).json()) as {
          data: { lastConfigTime: string };
        }
      ).data.lastConfigTime;
    const before = await lastConfig();
    await new Promise((r) => setTimeout(r, 1100));
    prometheus.kill("SIGHUP");
    const deadline = Date.now() + 10_000;
    while ((await lastConfig()) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await lastConfig()).not.toBe(before);
  });

  it("npm run verify's checks pass pinned, with the stack outputs' credentials; fail without them or unpinned", async () => {
    for (const check of [
      checkPrometheusReady(urls.prometheus, auth, pinned),
      checkAlertmanager(urls.alertmanager, auth, pinned),
    ]) {
      expect((await check()).ok).toBe(true);
    }
    const without = await checkPrometheusReady(urls.prometheus, undefined, pinned)();
    expect(without.ok).toBe(false);
    expect(without.detail).toBe("HTTP 401");
    const unpinned = await checkPrometheusReady(urls.prometheus, auth)();
    expect(unpinned.ok).toBe(false);
  });

  it("npm run verify from https outputs: pinned to the output fingerprint; no fingerprint or a malformed one is refused", async () => {
    const outputs = {
      appUrl: "https://127.0.0.1:1",
      appCertificateSha256: certificateFingerprint(settings.tls!.certPem),
      prometheusUrl: urls.prometheus,
      alertmanagerUrl: urls.alertmanager,
      monitoringUser: auth.username,
      monitoringPassword: auth.password,
      monitoringCertificateSha256: certificateFingerprint(settings.tls!.certPem),
    };
    const lines: string[] = [];
    await runChecks(checksFor(outputs), (l) => lines.push(l));
    expect(lines.find((l) => l.includes("Prometheus ready"))).toMatch(/^✓/);
    expect(lines.find((l) => l.includes("Alertmanager ready"))).toMatch(/^✓/);
    expect(() => checksFor({ ...outputs, monitoringCertificateSha256: undefined })).toThrow(
      /is https but the outputs have no monitoringCertificateSha256/,
    );
    expect(() => checksFor({ ...outputs, monitoringCertificateSha256: "AB:CD" })).toThrow(
      /not a SHA-256 certificate fingerprint/,
    );
  });

  it("npm run verify with an HA pair's outputs: the second host gets every check, pinned to its own fingerprint; an unclustered Alertmanager fails the cluster check", async () => {
    // This one Prometheus and Alertmanager stand in for both replicas' (the outputs point both at them).
    const fingerprint = certificateFingerprint(settings.tls!.certPem);
    const replica = (name: string) => ({
      replica: name,
      grafanaUrl: "https://127.0.0.1:1",
      prometheusUrl: urls.prometheus,
      alertmanagerUrl: urls.alertmanager,
      tlsFingerprint: fingerprint,
    });
    const outputs = {
      appUrl: "https://127.0.0.1:1",
      appCertificateSha256: fingerprint,
      prometheusUrl: urls.prometheus,
      alertmanagerUrl: urls.alertmanager,
      monitoringUser: auth.username,
      monitoringPassword: auth.password,
      monitoringCertificateSha256: fingerprint,
      monitoringReplicas: [replica("a"), replica("b")],
    };
    const lines: string[] = [];
    await runChecks(checksFor(outputs), (l) => lines.push(l));
    expect(lines.find((l) => l.includes("Prometheus ready [b]"))).toMatch(/^✓/);
    expect(lines.find((l) => l.includes("Alertmanager ready [b]"))).toMatch(/^✓/);
    // The Alertmanager here runs alone (--cluster.listen-address=): the pair's check must say so, for each member.
    for (const r of ["a", "b"]) {
      expect(lines.find((l) => l.includes(`Alertmanager cluster [${r}]`))).toMatch(/^✗.*disabled, 0 of 2 members/);
    }
    // Each replica is pinned to its own certificate: a wrong one for b fails b's checks only.
    const wrong = "AB:".repeat(31) + "AB";
    const mixed: string[] = [];
    await runChecks(
      checksFor({ ...outputs, monitoringReplicas: [replica("a"), { ...replica("b"), tlsFingerprint: wrong }] }),
      (l) => mixed.push(l),
    );
    expect(mixed.find((l) => l.includes("Prometheus ready [b]"))).toMatch(/^✗/);
    expect(mixed.find((l) => l.startsWith("✓ Prometheus ready "))).toBeTruthy();
  });
});
