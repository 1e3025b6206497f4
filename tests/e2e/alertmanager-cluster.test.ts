/**
 * The HA pair's Alertmanagers on the real binary (Debian's Alertmanager), two of them clustered on loopback with
 * the flags and alertmanager.yml that monitoring-config renders for each member (`ha` settings, test clocks):
 * - one alert, sent to both members as the two Prometheus replicas send it, is notified once;
 * - one member killed, the next alert sent to the survivor is still notified, once.
 * The receivers are webhooks to a sink in this test, which records which member sent each notification.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clusterFlags,
  localEndpoints,
  LOCAL_PORTS,
  renderBundle,
  settingsForStack,
  type MonitoringSettings,
} from "../../monitoring-config";
import { ensureBinaries } from "../../scripts/lib/binaries";
import { writeBundle } from "../../scripts/lib/bundle-io";
import { freePort, waitFor } from "../../scripts/lib/net";
import { tempDir } from "../../testkit/service-process";
import { checkAlertmanagerCluster } from "../../scripts/verify";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PEER_TIMEOUT = "2s";

interface Note {
  receiver: string;
  status: string;
  alertname: string;
  /** The member that sent it (its --web.external-url). */
  from: string;
}
const notes: Note[] = [];
let sink: Server;
const members: { name: string; web: number; gossip: number; proc?: ChildProcess; settings?: MonitoringSettings }[] = [
  { name: "a", web: 0, gossip: 0 },
  { name: "b", web: 0, gossip: 0 },
];
const url = (m: (typeof members)[number]) => `http://127.0.0.1:${m.web}`;

async function post(m: (typeof members)[number], alertname: string): Promise<void> {
  // What Prometheus sends (the replica label already dropped by alert_relabel_configs): the same from both.
  const body = [
    {
      labels: { alertname, severity: "critical", job: "taskflow", instance: "app:9464", stack: "test" },
      annotations: { summary: `${alertname} (cluster test)` },
      startsAt: new Date().toISOString(),
    },
  ];
  const r = await fetch(`${url(m)}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(r.status, await r.text()).toBe(200);
}
const firingOf = (alertname: string) => notes.filter((n) => n.alertname === alertname && n.status === "firing");
async function notified(alertname: string, timeoutMs: number): Promise<Note[]> {
  const deadline = Date.now() + timeoutMs;
  while (firingOf(alertname).length === 0 && Date.now() < deadline) await sleep(100);
  return firingOf(alertname);
}
async function clusterSize(m: (typeof members)[number]): Promise<number> {
  const r = await fetch(`${url(m)}/api/v2/status`);
  const s = (await r.json()) as { cluster: { status: string; peers?: unknown[] } };
  return s.cluster.status === "ready" ? (s.cluster.peers ?? []).length : 0;
}

beforeAll(async () => {
  const bin = ensureBinaries();
  const receiverPort = await freePort();
  sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        externalURL: string;
        alerts: { status: string; labels: Record<string, string> }[];
      };
      for (const a of body.alerts) {
        notes.push({
          receiver: (req.url ?? "/").slice(1),
          status: a.status,
          alertname: a.labels.alertname,
          from: body.externalURL,
        });
      }
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((res) => sink.listen(receiverPort, "127.0.0.1", res));
  for (const m of members) [m.web, m.gossip] = [await freePort(), await freePort()];
  const dir = tempDir("am-cluster-");
  for (const m of members) {
    const others = members.filter((o) => o !== m);
    m.settings = settingsForStack("test", {
      ...localEndpoints({ ...LOCAL_PORTS, alertmanager: m.web, receiver: receiverPort }),
      ha: {
        replica: m.name,
        clusterListen: `127.0.0.1:${m.gossip}`,
        clusterPeers: others.map((o) => `127.0.0.1:${o.gossip}`),
        peerTimeout: PEER_TIMEOUT,
        peerAlertmanagers: others.map((o) => ({ address: `127.0.0.1:${o.web}` })),
      },
    });
    const bundleDir = join(dir, m.name);
    writeBundle(renderBundle(m.settings), bundleDir);
    m.proc = spawn(
      bin.alertmanager,
      [
        `--config.file=${join(bundleDir, "alertmanager/alertmanager.yml")}`,
        `--storage.path=${join(bundleDir, "data")}`,
        `--web.listen-address=127.0.0.1:${m.web}`,
        `--web.external-url=${url(m)}`,
        ...clusterFlags(m.settings),
        "--log.level=warn",
      ],
      { stdio: "ignore" },
    );
  }
  for (const m of members) await waitFor(`${url(m)}/-/ready`, 30_000, m.proc);
  // Both members see both before the first alert (gossip joins within a few push-pull rounds).
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && (await Promise.all(members.map(clusterSize))).some((n) => n !== 2)) await sleep(250);
}, 90_000);

afterAll(async () => {
  for (const m of members) m.proc?.kill("SIGKILL");
  await new Promise<void>((res) => (sink ? sink.close(() => res()) : res()));
});

describe("Alertmanager HA pair (two real Alertmanagers clustered on loopback)", () => {
  it("the rendered members gossip with each other: each sees a cluster of two (and npm run verify's check agrees)", async () => {
    expect(await Promise.all(members.map(clusterSize))).toEqual([2, 2]);
    for (const m of members) {
      const r = await checkAlertmanagerCluster(url(m), 2)();
      expect(r, JSON.stringify(r)).toMatchObject({ ok: true, detail: "ready, 2 of 2 members" });
    }
    expect(clusterFlags(members[0].settings!)).toEqual([
      `--cluster.listen-address=127.0.0.1:${members[0].gossip}`,
      `--cluster.peer=127.0.0.1:${members[1].gossip}`,
      `--cluster.peer-timeout=${PEER_TIMEOUT}`,
    ]);
  });

  it("one alert sent to both members is notified once", async () => {
    await Promise.all(members.map((m) => post(m, "ClusterDedup")));
    const first = await notified("ClusterDedup", 20_000);
    expect(first).toHaveLength(1);
    expect(first[0].receiver).toBe("page");
    // The second member notifies only after the peer timeout, and only if the first did not: wait well past it.
    await sleep(3 * 2000 + 3000);
    expect(firingOf("ClusterDedup"), JSON.stringify(notes)).toHaveLength(1);
  }, 60_000);

  it("one member killed: the next alert, sent to the survivor, is still notified once", async () => {
    const [a, b] = members;
    a.proc!.kill("SIGKILL");
    await new Promise((res) => a.proc!.once("exit", res));
    // Prometheus replica a went with its host; replica b sends to the survivor (its post to a fails).
    await post(b, "ClusterFailover");
    const got = await notified("ClusterFailover", 30_000);
    expect(got).toHaveLength(1);
    expect(got[0].from).toBe(url(b));
    await sleep(3 * 2000 + 3000);
    expect(firingOf("ClusterFailover"), JSON.stringify(notes)).toHaveLength(1);
  }, 60_000);
});
