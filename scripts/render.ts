/**
 * npm run render -- --stack local|dev|prod|test --out DIR
 * Writes the monitoring bundle for a stack's default settings (the MonitoringHost renders the same
 * function with the stack's real targets, topic and passwords).
 */
import { parseArgs } from "node:util";
import { renderBundle, settingsForStack, STACKS, type StackName } from "../monitoring-config";
import { writeBundle } from "./lib/bundle-io";

const usage = `usage: npm run render -- --stack ${STACKS.join("|")} --out DIR [--grafana-password PW]`;

function main(): number {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        stack: { type: "string" },
        out: { type: "string" },
        "grafana-password": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!values.stack || !STACKS.includes(values.stack as StackName)) {
    console.error(
      `--stack=${JSON.stringify(values.stack ?? null)} is invalid: allowed values are ${STACKS.join(", ")}\n${usage}`,
    );
    return 2;
  }
  if (!values.out) {
    console.error(`--out is required\n${usage}`);
    return 2;
  }
  const stack = values.stack as StackName;
  // dev/prod need a Grafana admin password; the deployed stack passes its secret. For a preview render a
  // placeholder marks the spot plainly.
  const adminPassword =
    values["grafana-password"] ?? (stack === "dev" || stack === "prod" ? "CHANGE-ME-rendered-preview" : "");
  try {
    const bundle = renderBundle(settingsForStack(stack, { grafana: { adminPassword } }));
    const files = writeBundle(bundle, values.out);
    console.log(`rendered ${files.length} files for stack ${stack} into ${values.out}`);
    return 0;
  } catch (err) {
    console.error(`render failed: ${(err as Error).message}`);
    return 1;
  }
}

process.exitCode = main();
