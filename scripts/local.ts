/**
 * npm run local — TaskFlow and its whole monitoring stack on this machine, from the same bundle the
 * MonitoringHost deploys. Service environment variables pass through (e.g. FAULT_INJECTION=on npm run local).
 * Data (SQLite DB, Prometheus TSDB, Alertmanager state) persists under .local/; Ctrl-C stops everything.
 */
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, saveToken, startLocalStack } from "./lib/local-stack";

const SERVICE_ENV = ["FAULT_INJECTION", "RATE_LIMIT_PER_MINUTE", "SLOW_QUERY_MS", "LOG_LEVEL", "METRICS"];

async function main(): Promise<void> {
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
    dir,
    serviceEnv,
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
Grafana          ${u.grafana ?? "not started: no grafana/grafana-server binary on PATH (dashboards are in .local/bundle/grafana/dashboards)"}

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
