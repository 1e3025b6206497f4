/**
 * npm run render -- --stack local|test|dev|prod [--out DIR]
 * Renders the monitoring bundle. local/test: the machine-local profiles. dev/prod: from the stack's own config
 * (Pulumi.yaml + Pulumi.<stack>.yaml, validated by the same parser `pulumi up` uses) through the same builder
 * the MonitoringHost calls; values known only after deployment (the account, the app's URL, secrets) appear as
 * plain markers such as `<account id>`. With --out the files are written there, otherwise printed.
 */
import { parseSettings, SECRET_KEYS, type RawConfig } from "../components/config";
import {
  AWS_WEB_USER,
  awsMonitoringSettings,
  awsNames,
  renderBundle,
  settingsForStack,
  stackPrefix,
  STACKS,
  type Bundle,
  type StackName,
} from "../monitoring-config";
import { writeBundle } from "./lib/bundle-io";
import { parseFlags } from "./lib/cli";
import { projectName, stackConfig } from "./lib/stack-config";

const usage = `usage: npm run render -- --stack ${STACKS.join("|")} --out DIR [--grafana-password PW]`;

/** The dev/prod bundle exactly as the stack would deploy it, but for the values only a deployment knows. */
function stackBundle(stack: "dev" | "prod", grafanaPassword?: string): { bundle: Bundle; summary: string } {
  const project = projectName();
  const config = stackConfig(stack);
  const raw: RawConfig = {};
  for (const [k, v] of Object.entries(config)) if (k.startsWith(`${project}:`)) raw[k.slice(project.length + 1)] = v;
  // Secrets are encrypted in the stack file and render does not decrypt them: the required API token gets a
  // marker (it never reaches the bundle), Grafana's password and the Slack URL are marked below.
  const hasSecret = (k: string) => raw[k] !== undefined;
  const slack = hasSecret("slackWebhookUrl");
  for (const k of SECRET_KEYS) delete raw[k];
  raw.apiToken = "<apiToken: stack secret, not read by render>";
  const region = config["aws:region"];
  const s = parseSettings(raw, { project, stack, region });
  const prefix = stackPrefix(project, stack);
  const monitoring = awsMonitoringSettings({
    environment: s.environment,
    region: s.region,
    discoveryTags: { Project: s.tags.Project, Stack: s.tags.Stack },
    appMetricsPort: s.app.metricsPort,
    appUrl: "<appUrl from stack output>",
    topicArns: {
      page: `arn:aws:sns:${s.region}:<account id>:${awsNames.alertTopic(prefix)}`,
      ticket: `arn:aws:sns:${s.region}:<account id>:${awsNames.ticketTopic(prefix)}`,
      heartbeat: `arn:aws:sns:${s.region}:<account id>:${awsNames.heartbeatTopic(prefix)}`,
    },
    slackWebhookUrl: slack ? "<slackWebhookUrl: stack secret>" : undefined,
    grafanaAdminPassword: grafanaPassword ?? "<grafanaAdminPassword: stack secret or generated>",
    guardDutyRuleName: awsNames.guardDutyFindingsRule(prefix),
    retention: s.monitoring.prometheusRetention,
    basicAuth: { username: AWS_WEB_USER, password: "<monitoringPassword: generated, stack output>" },
  });
  const summary =
    `stack ${stack} (environment ${s.environment}, region ${s.region}): retention ${monitoring.retention}, ` +
    `scrape ${monitoring.scrapeInterval}, evaluation ${monitoring.evaluationInterval}; ` +
    `values known only after deployment are shown as <…>`;
  return { bundle: renderBundle(monitoring, { preview: true }), summary };
}

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
        ? stackBundle(stack, values["grafana-password"])
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
