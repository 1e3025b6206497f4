/**
 * The whole stack on one machine, as child processes on loopback: TaskFlow, node_exporter,
 * blackbox_exporter, Prometheus, Alertmanager, a local notification receiver, and Grafana when a
 * `grafana`/`grafana-server` binary is on PATH. Used by `npm run local`, the end-to-end tests and the
 * time-to-detect benchmark, with the same monitoring-config bundle the MonitoringHost deploys.
 *
 *   const stack = await startLocalStack({ profile: "test", ports: "free", dir: tmp });
 *   stack.urls.prometheus; stack.token; stack.receiver.notifications;
 *   await stack.waitForNotification((n) => n.alertname === "ServiceDown" && n.status === "firing");
 *   await stack.stopProcess("service"); await stack.startProcess("service");
 *   await stack.stop();
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join, resolve } from "node:path";
import {
  durationSeconds,
  LOCAL_PORTS,
  localEndpoints,
  remoteWriteQueue,
  renderBundle,
  settingsForStack,
  type Bundle,
  type DeepPartial,
  type MonitoringSettings,
} from "../../monitoring-config";
import { ensureBinaries, which, type BinaryPaths } from "./binaries";
import { writeBundle } from "./bundle-io";
import { freePort, portInUse, waitFor } from "./net";

import { REPO_ROOT } from "./paths";

export { REPO_ROOT };
export type Ports = typeof LOCAL_PORTS;
export type ProcessName = "service" | "node" | "blackbox" | "prometheus" | "alertmanager" | "grafana" | "longterm";

export interface Notification {
  receiver: string;
  status: "firing" | "resolved";
  alertname: string;
  labels: Record<string, string>;
  receivedAt: number;
}

export interface LocalStackOptions {
  /** "local" = production intervals (15 s), "test" = short intervals for tests. */
  profile?: "local" | "test";
  /** Fixed ports (defaults: LOCAL_PORTS) or "free" to pick unused ones. */
  ports?: Partial<Ports> | "free";
  /** Where the bundle, the DB and the TSDB live (default .local). */
  dir?: string;
  /** Extra service environment (FAULT_INJECTION, RATE_LIMIT_PER_MINUTE, …). */
  serviceEnv?: Record<string, string>;
  /** API token; generated when absent. */
  token?: string;
  /** Extra monitoring settings. */
  settings?: DeepPartial<MonitoringSettings>;
  /** Output of the children and the receiver (default: none). */
  log?: (line: string) => void;
  /** Print each notification (npm run local does). */
  onNotification?: (n: Notification) => void;
  /**
   * Remote write to a long-term store, as the AWS stacks do to Amazon Managed Service for Prometheus: here a
   * second Prometheus with the remote-write receiver on `ports.longterm` (`urls.longterm`).
   */
  remoteWrite?: boolean;
  /**
   * Series the remote-write queue is sized for (remoteWriteQueue): the same sizing as on AWS. Default: what
   * one app and one host measure here, with headroom.
   */
  expectedSeries?: number;
}

export interface LocalStack {
  urls: Record<"app" | "appMetrics" | "prometheus" | "alertmanager" | "node" | "blackbox" | "receiver", string> & {
    grafana?: string;
    longterm?: string;
  };
  ports: Ports;
  token: string;
  dir: string;
  bundle: Bundle;
  settings: MonitoringSettings;
  receiver: { notifications: Notification[] };
  processes: Map<ProcessName, ChildProcess>;
  waitForNotification(match: (n: Notification) => boolean, timeoutMs: number): Promise<Notification>;
  stopProcess(name: ProcessName, signal?: NodeJS.Signals): Promise<void>;
  startProcess(name: ProcessName): Promise<void>;
  stop(): Promise<void>;
}

async function resolvePorts(p: LocalStackOptions["ports"]): Promise<Ports> {
  if (p === "free") {
    const out = {} as Ports;
    for (const k of Object.keys(LOCAL_PORTS) as (keyof Ports)[]) out[k] = await freePort();
    return out;
  }
  return { ...LOCAL_PORTS, ...p };
}

/** Monitoring settings for the local machine with the chosen ports. */
export function localSettings(
  profile: "local" | "test",
  ports: Ports,
  extra?: DeepPartial<MonitoringSettings>,
): MonitoringSettings {
  // The endpoints replace the profile's defaults whole (settingsForStack replaces targets and receivers).
  return settingsForStack(profile, { ...extra, ...localEndpoints(ports) });
}

/**
 * Active series of one TaskFlow and one node_exporter as Prometheus sees them here, rounded up with headroom
 * (measured: see README "Long-term storage"): what the local remote-write queue is sized for.
 */
export const DEFAULT_LOCAL_SERIES = 3000;

/** The receiver's own page when the Watchdog heartbeat stops: the local dead man's switch. */
export const HEARTBEAT_MISSING = "HeartbeatMissing";

/**
 * The notification receiver of the local stack: Alertmanager's webhooks, one path per receiver. It also plays
 * the part the AWS stack gives a CloudWatch alarm on the heartbeat topic: once armed (when the stack is up),
 * when no heartbeat (Watchdog) has arrived for `heartbeatTimeoutMs` (twice that for the first one: missing
 * counts as breaching, but Prometheus must evaluate and Alertmanager group it first), it pages
 * HeartbeatMissing itself, and resolves it when heartbeats come back. Nothing else notices a dead
 * Prometheus or Alertmanager.
 */
function startReceiver(
  port: number,
  sink: Notification[],
  onNote: (n: Notification) => void,
  heartbeatTimeoutMs: number,
): Promise<Server & { arm(): void }> {
  let deadline = Infinity;
  let missing = false;
  const note = (n: Notification) => {
    sink.push(n);
    onNote(n);
  };
  const deadMansSwitch = (status: Notification["status"]) =>
    note({
      receiver: "page",
      status,
      alertname: HEARTBEAT_MISSING,
      labels: { alertname: HEARTBEAT_MISSING, severity: "critical", source: "receiver" },
      receivedAt: Date.now(),
    });
  const timer = setInterval(() => {
    if (!missing && Date.now() > deadline) {
      missing = true;
      deadMansSwitch("firing");
    }
  }, 250);
  timer.unref();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          alerts?: { status: "firing" | "resolved"; labels: Record<string, string> }[];
        };
        const receiver = (req.url ?? "/").replace(/^\//, "") || "default";
        for (const a of body.alerts ?? []) {
          note({
            receiver,
            status: a.status,
            alertname: a.labels.alertname ?? "",
            labels: a.labels,
            receivedAt: Date.now(),
          });
        }
        if (receiver === "heartbeat") {
          if (deadline !== Infinity) deadline = Date.now() + heartbeatTimeoutMs;
          if (missing) {
            missing = false;
            deadMansSwitch("resolved");
          }
        }
        res.writeHead(200).end("ok");
      } catch {
        res.writeHead(400).end("expected an Alertmanager webhook payload");
      }
    });
  });
  server.on("close", () => clearInterval(timer));
  const arm = () => {
    deadline = Date.now() + 2 * heartbeatTimeoutMs;
  };
  return new Promise((res, rej) => {
    server.once("error", rej);
    server.listen(port, "127.0.0.1", () => res(Object.assign(server, { arm })));
  });
}

/**
 * Fail before starting anything when a port is taken: otherwise a child would die on bind while the readiness
 * check talks to the other process (e.g. a Debian `prometheus` service on 9090) and the stack would look up.
 */
async function assertPortsFree(ports: Ports, withGrafana: boolean, withLongterm: boolean): Promise<void> {
  const busy: string[] = [];
  for (const [key, port] of Object.entries(ports) as [keyof Ports, number][]) {
    if (key === "grafana" && !withGrafana) continue;
    if (key === "longterm" && !withLongterm) continue;
    if (await portInUse(port)) busy.push(`${key}=${port}`);
  }
  if (busy.length > 0) {
    throw new Error(
      `ports already in use on 127.0.0.1: ${busy.join(", ")}. Stop what listens there (a Debian service such as ` +
        `prometheus or prometheus-node-exporter: sudo systemctl stop <name>) or choose other ports ` +
        `(npm run local -- --help; startLocalStack({ ports: { ... } }) or ports: "free").`,
    );
  }
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const profile = opts.profile ?? "local";
  const log = opts.log ?? (() => {});
  const bin: BinaryPaths = ensureBinaries(log);
  const ports = await resolvePorts(opts.ports);
  const dir = resolve(opts.dir ?? join(REPO_ROOT, ".local"));
  const bundleDir = join(dir, "bundle");
  const dataDir = join(dir, "data");
  // Each run starts with fresh Alertmanager state (notification log, silences) and keeps the TSDB: a notification
  // log kept from a run stopped mid-incident counts a re-fired alert as already notified until repeat_interval
  // passes, so a drill repeated within the hour would never page. A restart within a run (startProcess) keeps
  // the state, as a restart on the monitoring host does.
  rmSync(join(dataDir, "alertmanager"), { recursive: true, force: true });
  for (const d of ["prometheus", "alertmanager", "grafana", "longterm"])
    mkdirSync(join(dataDir, d), { recursive: true });
  const token = opts.token ?? randomBytes(24).toString("base64url");
  const grafanaBin = which(["grafana", "grafana-server"]);
  await assertPortsFree(ports, grafanaBin !== null, !!opts.remoteWrite);
  const settings = localSettings(profile, ports, {
    ...opts.settings,
    grafana: { adminPassword: opts.settings?.grafana?.adminPassword || randomBytes(12).toString("base64url") },
  });
  if (opts.remoteWrite) {
    // Sized for the series at the interval this stack scrapes them (renderBundle validates it).
    settings.remoteWrite = {
      url: `http://127.0.0.1:${ports.longterm}/api/v1/write`,
      queue: remoteWriteQueue(opts.expectedSeries ?? DEFAULT_LOCAL_SERIES, durationSeconds(settings.scrapeInterval)),
    };
  }
  const bundle = renderBundle(settings, { dashboardsPath: join(bundleDir, "grafana", "dashboards") });
  writeBundle(bundle, bundleDir);
  // The long-term store scrapes nothing: it only receives what the monitoring Prometheus writes.
  const longtermConfig = join(dir, "longterm.yml");
  if (opts.remoteWrite)
    writeFileSync(longtermConfig, "# Written by local-stack: a remote-write receiver only.\nglobal: {}\n");

  const notifications: Notification[] = [];
  const waiters = new Set<() => void>();
  // Three heartbeats missed, plus a group interval of slack (Alertmanager sends on its group ticks).
  const heartbeatTimeoutMs =
    (3 * durationSeconds(settings.alertmanager.heartbeatRepeatInterval) +
      durationSeconds(settings.alertmanager.groupInterval)) *
    1000;
  const receiver = await startReceiver(
    ports.receiver,
    notifications,
    (n) => {
      opts.onNotification?.(n);
      for (const w of waiters) w();
    },
    heartbeatTimeoutMs,
  );

  const u = (port: number) => `http://127.0.0.1:${port}`;
  const specs: Record<
    ProcessName,
    { cmd: string; args: string[]; env?: Record<string, string>; ready: string } | null
  > = {
    service: {
      cmd: process.execPath,
      args: ["--import", "tsx", join(REPO_ROOT, "service", "src", "main.ts")],
      env: {
        HOST: "127.0.0.1",
        PORT: String(ports.app),
        METRICS_PORT: String(ports.appMetrics),
        API_TOKEN: token,
        DB_PATH: join(dir, "taskflow.db"),
        ...opts.serviceEnv,
      },
      ready: `${u(ports.app)}/health`,
    },
    node: {
      cmd: bin.nodeExporter,
      args: [`--web.listen-address=127.0.0.1:${ports.node}`, "--no-collector.systemd", "--log.level=warn"],
      ready: `${u(ports.node)}/metrics`,
    },
    blackbox: {
      cmd: bin.blackbox,
      args: [
        `--config.file=${join(bundleDir, "blackbox/blackbox.yml")}`,
        `--web.listen-address=127.0.0.1:${ports.blackbox}`,
      ],
      ready: `${u(ports.blackbox)}/metrics`,
    },
    alertmanager: {
      cmd: bin.alertmanager,
      args: [
        `--config.file=${join(bundleDir, "alertmanager/alertmanager.yml")}`,
        `--storage.path=${join(dataDir, "alertmanager")}`,
        `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
        "--cluster.listen-address=",
        "--log.level=warn",
      ],
      ready: `${u(ports.alertmanager)}/-/ready`,
    },
    prometheus: {
      cmd: bin.prometheus,
      args: [
        `--config.file=${join(bundleDir, "prometheus/prometheus.yml")}`,
        `--storage.tsdb.path=${join(dataDir, "prometheus")}`,
        `--storage.tsdb.retention.time=${settings.retention}`,
        `--rules.alert.resend-delay=${settings.alertResendDelay}`,
        `--web.listen-address=127.0.0.1:${ports.prometheus}`,
        "--web.enable-lifecycle",
        "--log.level=warn",
      ],
      ready: `${u(ports.prometheus)}/-/ready`,
    },
    longterm: opts.remoteWrite
      ? {
          cmd: bin.prometheus,
          args: [
            `--config.file=${longtermConfig}`,
            `--storage.tsdb.path=${join(dataDir, "longterm")}`,
            `--web.listen-address=127.0.0.1:${ports.longterm}`,
            "--web.enable-remote-write-receiver",
            "--log.level=warn",
          ],
          ready: `${u(ports.longterm)}/-/ready`,
        }
      : null,
    grafana: grafanaBin
      ? {
          cmd: grafanaBin,
          args: [
            ...(grafanaBin.endsWith("grafana") ? ["server"] : []),
            "--homepath=/usr/share/grafana",
            `--config=${join(bundleDir, "grafana/grafana.ini")}`,
            `cfg:paths.provisioning=${join(bundleDir, "grafana/provisioning")}`,
            `cfg:paths.data=${join(dataDir, "grafana")}`,
            `cfg:server.http_addr=127.0.0.1`,
          ],
          ready: `${u(ports.grafana)}/api/health`,
        }
      : null,
  };

  const processes = new Map<ProcessName, ChildProcess>();
  const start = async (name: ProcessName) => {
    const spec = specs[name];
    if (!spec) return;
    const child = spawn(spec.cmd, spec.args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...spec.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) if (line) log(`[${name}] ${line}`);
    };
    child.stdout?.on("data", forward);
    child.stderr?.on("data", forward);
    processes.set(name, child);
    await waitFor(spec.ready, 30_000, child);
  };
  const stopProcess = async (name: ProcessName, signal: NodeJS.Signals = "SIGTERM") => {
    const child = processes.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((res) => child.once("exit", () => res()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await gone;
    clearTimeout(timer);
  };

  const order: ProcessName[] = ["service", "node", "blackbox", "alertmanager", "longterm", "prometheus", "grafana"];
  try {
    for (const name of order) await start(name);
    receiver.arm();
  } catch (err) {
    for (const name of [...order].reverse()) await stopProcess(name, "SIGKILL");
    receiver.close();
    throw err;
  }

  const stack: LocalStack = {
    urls: {
      app: u(ports.app),
      appMetrics: u(ports.appMetrics),
      prometheus: u(ports.prometheus),
      alertmanager: u(ports.alertmanager),
      node: u(ports.node),
      blackbox: u(ports.blackbox),
      receiver: u(ports.receiver),
      ...(grafanaBin ? { grafana: u(ports.grafana) } : {}),
      ...(opts.remoteWrite ? { longterm: u(ports.longterm) } : {}),
    },
    ports,
    token,
    dir,
    bundle,
    settings,
    receiver: { notifications },
    processes,
    waitForNotification(match, timeoutMs) {
      return new Promise((res, rej) => {
        const check = () => {
          const hit = notifications.find(match);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            res(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          rej(
            new Error(
              `no matching notification within ${timeoutMs} ms; got: ${notifications.map((n) => `${n.receiver}:${n.alertname}:${n.status}`).join(", ") || "none"}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stopProcess,
    startProcess: start,
    async stop() {
      for (const name of [...order].reverse()) await stopProcess(name);
      await new Promise<void>((res) => receiver.close(() => res()));
    },
  };
  return stack;
}

/** Write the generated token next to the data, for tools that want it (npm run verify -- --stack local). */
export function saveToken(stack: LocalStack): void {
  writeFileSync(join(stack.dir, "api-token"), `${stack.token}\n`, { mode: 0o600 });
}
