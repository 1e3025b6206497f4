/**
 * npm run local — TaskFlow and its whole monitoring stack on this machine, from the same bundle the
 * MonitoringHost deploys. Service environment variables pass through (e.g. FAULT_INJECTION=on npm run local).
 * Data (SQLite DB, Prometheus TSDB, Alertmanager state) persists under .local/; Ctrl-C stops everything.
 */
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LOCAL_PORTS } from "../monitoring-config";
import { REPO_ROOT, saveToken, startLocalStack, type Ports } from "./lib/local-stack";

const SERVICE_ENV = ["FAULT_INJECTION", "RATE_LIMIT_PER_MINUTE", "SLOW_QUERY_MS", "LOG_LEVEL", "METRICS"];

/** CLI flag → port key; every default port can be moved (e.g. when a Debian service already holds it). */
const PORT_FLAGS: Record<string, keyof Ports> = {
  "app-port": "app",
  "metrics-port": "appMetrics",
  "prometheus-port": "prometheus",
  "alertmanager-port": "alertmanager",
  "node-port": "node",
  "blackbox-port": "blackbox",
  "receiver-port": "receiver",
  "grafana-port": "grafana",
  "longterm-port": "longterm",
};

const usage = `usage: npm run local -- [--free-ports] [--remote-write] ${Object.entries(PORT_FLAGS)
  .map(([flag, key]) => `[--${flag} N (default ${LOCAL_PORTS[key]})]`)
  .join(" ")}
--remote-write also starts a long-term store (a second Prometheus with the remote-write receiver) and
remote-writes every series to it, as the AWS stacks do to Amazon Managed Service for Prometheus.
Service variables pass through: FAULT_INJECTION=on npm run local`;

/** Parse the flags into startLocalStack's ports and remote-write options; exits with a usage message on bad input. */
function parseFlags(): { ports: Partial<Ports> | "free"; remoteWrite: boolean } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        ...Object.fromEntries(Object.keys(PORT_FLAGS).map((f) => [f, { type: "string" as const }])),
        "free-ports": { type: "boolean" },
        "remote-write": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const remoteWrite = values["remote-write"] === true;
  if (values["free-ports"]) return { ports: "free", remoteWrite };
  const ports: Partial<Ports> = {};
  for (const [flag, key] of Object.entries(PORT_FLAGS)) {
    const v = values[flag];
    if (v === undefined) continue;
    const n = Number(v);
    if (!/^\d+$/.test(String(v)) || n < 1 || n > 65535) {
      console.error(`--${flag}=${JSON.stringify(v)} is invalid: expected a port number 1-65535\n${usage}`);
      process.exit(2);
    }
    ports[key] = n;
  }
  return { ports, remoteWrite };
}

async function main(): Promise<void> {
  const { ports, remoteWrite } = parseFlags();
  const dir = join(REPO_ROOT, ".local");
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, "stack.log");
  const logStream = createWriteStream(logFile, { flags: "a" });
  const serviceEnv = Object.fromEntries(
    SERVICE_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k] as string]),
  );
  console.log("starting TaskFlow and the monitoring stack …");
  const stack = await startLocalStack({
    profile: "local",
    ports,
    dir,
    serviceEnv,
    remoteWrite,
    token: process.env.API_TOKEN || undefined,
    log: (line) => logStream.write(`${new Date().toISOString()} ${line}\n`),
    onNotification: (n) => {
      const where = n.labels.instance ? ` instance=${n.labels.instance}` : "";
      console.log(
        `[receiver] ${new Date(n.receivedAt).toISOString()} ${n.receiver.padEnd(9)} ${n.status.toUpperCase().padEnd(8)} ${n.alertname} severity=${n.labels.severity ?? "-"}${where}`,
      );
    },
  });
  saveToken(stack);
  const u = stack.urls;
  console.log(`
TaskFlow         ${u.app}            (GET /, /health, /tasks with the token below)
  metrics        ${u.appMetrics}/metrics${serviceEnv.FAULT_INJECTION === "on" ? `   (fault injection: PUT/DELETE ${u.appMetrics}/fault)` : ""}
Prometheus       ${u.prometheus}
Alertmanager     ${u.alertmanager}
node_exporter    ${u.node}/metrics
blackbox         ${u.blackbox}
receiver         ${u.receiver}            (notifications are printed here)
${u.longterm ? `long-term store ${u.longterm}            (remote write target: the same series, kept apart)\n` : ""}Grafana          ${u.grafana ?? "not started: no grafana/grafana-server binary on PATH (dashboards are in .local/bundle/grafana/dashboards)"}

API token        ${stack.token}
  curl -H "Authorization: Bearer ${stack.token}" ${u.app}/tasks

Child process output: ${logFile}. Data: ${dir}. Ctrl-C stops everything.
`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping …");
    await stack.stop();
    logStream.end();
    console.log("stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  for (const [name, child] of stack.processes) {
    child.once("exit", (code, signal) => {
      if (!stopping) console.error(`[local] ${name} exited (${code ?? signal}); see ${logFile}`);
    });
  }
}

main().catch((err) => {
  console.error(`npm run local failed: ${(err as Error).message}`);
  process.exit(1);
});
