/**
 * npm run render -- --stack local|test|dev|prod [--out DIR]
 * Renders the monitoring bundle. local/test: the machine-local profiles. dev/prod: from the stack's own config
 * (Pulumi.yaml + Pulumi.<stack>.yaml, validated by the same parser `pulumi up` uses) through the same mapping
 * the MonitoringHost calls (scripts/lib/render-stack.ts), as the first monitoring host would receive it; values
 * known only after deployment (the account, the app's URL, secrets, certificates, the HA peer's address, the
 * workspace) appear as plain markers such as `<account id>`. With --out the files are written there, otherwise
 * printed.
 */
import { renderBundle, settingsForStack, STACKS, type StackName } from "../monitoring-config";
import { writeBundle } from "./lib/bundle-io";
import { parseFlags } from "./lib/cli";
import { renderStack } from "./lib/render-stack";

const usage = `usage: npm run render -- --stack ${STACKS.join("|")} --out DIR [--grafana-password PW]`;

function main(): number {
  const values = parseFlags(
    { stack: { type: "string" }, out: { type: "string" }, "grafana-password": { type: "string" } },
    usage,
  );
  if (typeof values === "number") return values;
  if (!values.stack || !STACKS.includes(values.stack as StackName)) {
    console.error(
      `--stack=${JSON.stringify(values.stack ?? null)} is invalid: allowed values are ${STACKS.join(", ")}\n${usage}`,
    );
    return 2;
  }
  if (values.out === "") {
    console.error(`--out is required to be a directory\n${usage}`);
    return 2;
  }
  const stack = values.stack as StackName;
  try {
    const { bundle, summary } =
      stack === "dev" || stack === "prod"
        ? renderStack(stack, { grafanaPassword: values["grafana-password"] })
        : { bundle: renderBundle(settingsForStack(stack)), summary: `profile ${stack}` };
    if (values.out) {
      const files = writeBundle(bundle, values.out);
      console.log(`rendered ${files.length} files for stack ${stack} into ${values.out}\n${summary}`);
    } else {
      for (const [path, content] of Object.entries(bundle)) process.stdout.write(`# ==> ${path} <==\n${content}\n`);
      console.log(`# ${summary}`);
    }
    return 0;
  } catch (err) {
    console.error(`render failed: ${(err as Error).message}`);
    return 1;
  }
}

process.exitCode = main();
