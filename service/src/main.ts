import { ConfigError, loadConfig } from "./config";
import { buildApp } from "./app";

/** Entry point: read the environment, start both listeners, shut down cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`taskflow: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const service = await buildApp(config);
  const { app, metricsApp } = service;
  const publicUrl = await app.listen({ host: config.host, port: config.port });
  const metricsUrl = await metricsApp.listen({ host: config.metricsHost, port: config.metricsPort });
  app.log.info(
    {
      event: "listening",
      publicUrl,
      metricsUrl,
      metrics: config.metricsEnabled,
      faultInjection: config.faultInjection,
    },
    `taskflow listening: public ${publicUrl}, metrics ${metricsUrl}`,
  );

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ event: "shutdown", signal }, "shutting down: draining in-flight requests");
    try {
      await service.close();
      app.log.info({ event: "stopped" }, "stopped cleanly");
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err) => {
  process.stderr.write(`taskflow: failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
