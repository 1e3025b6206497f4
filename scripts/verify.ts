/**
 * npm run verify -- --stack dev [--outputs outputs.json]
 * The post-deploy checklist, automated: app /health; Prometheus ready, every target up, rules loaded without
 * errors; Alertmanager ready; Grafana healthy with its dashboards; CloudTrail logging; GuardDuty enabled, and
 * its EC2 runtime coverage (the covered instance count); log groups receiving events. Outputs come from `pulumi stack output --json --show-secrets` (or a file);
 * `--stack local` checks `npm run local` on its default ports and skips the AWS checks.
 */
import { CloudTrailClient, GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
import { CloudWatchLogsClient, DescribeLogStreamsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  GetDetectorCommand,
  GuardDutyClient,
  ListCoverageCommand,
  type CoverageResource,
} from "@aws-sdk/client-guardduty";
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DASHBOARD_UIDS, LOCAL_PORTS } from "../monitoring-config";
import { pinnedFetch } from "./lib/pinned-fetch";
import type { Environment } from "../components/config";

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}
type Check = () => Promise<CheckResult>;
/** How a check reaches its endpoint: plain fetch, or one pinned to the host's certificate (lib/pinned-fetch). */
export type Fetcher = typeof fetch;

async function getJson<T>(
  url: string,
  headers: Record<string, string> = {},
  f: Fetcher = fetch,
): Promise<{ status: number; body: T }> {
  const r = await f(url, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: r.status, body: body as T };
}

const result = (name: string, ok: boolean, detail: string): CheckResult => ({ name, ok, detail });
const guard =
  (name: string, fn: () => Promise<CheckResult>): Check =>
  async () => {
    try {
      return await fn();
    } catch (err) {
      return result(name, false, (err as Error).message);
    }
  };

export const checkApp = (appUrl: string, f: Fetcher = fetch): Check =>
  guard("app /health", async () => {
    const r = await getJson<{ status?: string; reason?: string }>(`${appUrl}/health`, {}, f);
    return result("app /health", r.status === 200, r.status === 200 ? "ok" : `HTTP ${r.status} ${r.body.reason ?? ""}`);
  });

/** Basic auth of Prometheus and Alertmanager on AWS (none locally). */
export type WebAuth = { username: string; password: string } | undefined;
/** The Authorization header of HTTP basic auth (none without credentials). */
export const authHeaders = (auth: WebAuth): Record<string, string> =>
  auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}` } : {};

export const checkPrometheusReady = (url: string, auth?: WebAuth, f: Fetcher = fetch): Check =>
  guard("Prometheus ready", async () => {
    const r = await f(`${url}/-/ready`, { headers: authHeaders(auth), signal: AbortSignal.timeout(10_000) });
    return result("Prometheus ready", r.ok, `HTTP ${r.status}`);
  });

export const checkTargetsUp = (url: string, auth?: WebAuth, f: Fetcher = fetch): Check =>
  guard("Prometheus targets up", async () => {
    const r = await getJson<{
      data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
    }>(`${url}/api/v1/targets?state=active`, authHeaders(auth), f);
    const targets = r.body.data.activeTargets;
    const down = targets.filter((t) => t.health !== "up");
    return result(
      "Prometheus targets up",
      targets.length > 0 && down.length === 0,
      down.length
        ? `down: ${down.map((t) => `${t.labels.job}/${t.labels.instance} (${t.lastError || t.health})`).join(", ")}`
        : `${targets.length} targets up`,
    );
  });

export const checkRules = (url: string, auth?: WebAuth, f: Fetcher = fetch): Check =>
  guard("Prometheus rules loaded", async () => {
    const r = await getJson<{
      data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] };
    }>(`${url}/api/v1/rules`, authHeaders(auth), f);
    const rules = r.body.data.groups.flatMap((g) => g.rules);
    const bad = rules.filter((x) => x.health !== "ok" || x.lastError);
    return result(
      "Prometheus rules loaded",
      rules.length > 0 && bad.length === 0,
      bad.length
        ? `errors: ${bad.map((b) => `${b.name}: ${b.lastError}`).join("; ")}`
        : `${rules.length} rules, no errors`,
    );
  });

export const checkAlertmanager = (url: string, auth?: WebAuth, f: Fetcher = fetch): Check =>
  guard("Alertmanager ready", async () => {
    const r = await f(`${url}/-/ready`, { headers: authHeaders(auth), signal: AbortSignal.timeout(10_000) });
    return result("Alertmanager ready", r.ok, `HTTP ${r.status}`);
  });

/**
 * An HA pair's Alertmanager: its cluster is ready and has `members` members (the pair gossips; a member alone
 * would notify on its own, so duplicates and no spare).
 */
export const checkAlertmanagerCluster = (url: string, members: number, auth?: WebAuth, f: Fetcher = fetch): Check =>
  guard("Alertmanager cluster", async () => {
    const r = await getJson<{ cluster?: { status?: string; peers?: unknown[] } }>(
      `${url}/api/v2/status`,
      authHeaders(auth),
      f,
    );
    const status = r.body.cluster?.status ?? `HTTP ${r.status}`;
    const peers = r.body.cluster?.peers?.length ?? 0;
    return result(
      "Alertmanager cluster",
      status === "ready" && peers === members,
      `${status}, ${peers} of ${members} members`,
    );
  });

/** The same check, named for one replica of the pair (its results are told apart in the report). */
const forReplica =
  (replica: string, check: Check): Check =>
  async () => {
    const r = await check();
    return { ...r, name: `${r.name} [${replica}]` };
  };

export const checkGrafana = (url: string, password: string, f: Fetcher = fetch): Check =>
  guard("Grafana healthy with dashboards", async () => {
    const health = await getJson<{ database?: string }>(`${url}/api/health`, {}, f);
    if (health.status !== 200 || health.body.database !== "ok")
      return result("Grafana healthy with dashboards", false, `health HTTP ${health.status}`);
    const auth = authHeaders({ username: "admin", password });
    const search = await getJson<{ uid: string }[]>(`${url}/api/search?type=dash-db`, auth, f);
    const found = new Set(Array.isArray(search.body) ? search.body.map((d) => d.uid) : []);
    const missing = Object.values(DASHBOARD_UIDS).filter((u) => !found.has(u));
    return result(
      "Grafana healthy with dashboards",
      missing.length === 0,
      missing.length ? `missing: ${missing.join(", ")}` : "4 dashboards",
    );
  });

export const checkTrail = (client: CloudTrailClient, trailName: string): Check =>
  guard("CloudTrail logging", async () => {
    const s = await client.send(new GetTrailStatusCommand({ Name: trailName }));
    const ok = s.IsLogging === true && !s.LatestDeliveryError;
    return result(
      "CloudTrail logging",
      ok,
      ok
        ? `last delivery ${s.LatestDeliveryTime?.toISOString() ?? "pending"}`
        : `IsLogging=${s.IsLogging} ${s.LatestDeliveryError ?? ""}`,
    );
  });

export const checkGuardDuty = (client: GuardDutyClient, detectorId: string): Check =>
  guard("GuardDuty enabled", async () => {
    const d = await client.send(new GetDetectorCommand({ DetectorId: detectorId }));
    return result("GuardDuty enabled", d.Status === "ENABLED", `status ${d.Status}`);
  });

/** GuardDuty's EC2 runtime monitoring on the detector: the feature and its automated agent management. */
export function runtimeMonitoringOf(d: {
  Features?: { Name?: string; Status?: string; AdditionalConfiguration?: { Name?: string; Status?: string }[] }[];
}) {
  const f = d.Features?.find((x) => x.Name === "RUNTIME_MONITORING");
  const agent = f?.AdditionalConfiguration?.find((a) => a.Name === "EC2_AGENT_MANAGEMENT");
  return { on: f?.Status === "ENABLED", agentManaged: f?.Status === "ENABLED" && agent?.Status === "ENABLED" };
}

/**
 * GuardDuty's EC2 runtime coverage (GetDetector, ListCoverage filtered on EC2): the covered instance count, always.
 * Fails when the detector has runtime monitoring on and an instance of the fleet's group (`groupName`) is not
 * covered (HEALTHY): the feature is paid for and watches nothing there. With the feature off (the program's
 * choice, components/security-baseline.ts EC2_RUNTIME_MONITORING) it passes and says so.
 */
export const checkGuardDutyCoverage = (
  client: GuardDutyClient,
  detectorId: string,
  fleet?: { client: AutoScalingClient; groupName: string },
): Check =>
  guard("GuardDuty EC2 runtime coverage", async () => {
    const name = "GuardDuty EC2 runtime coverage";
    const runtime = runtimeMonitoringOf(await client.send(new GetDetectorCommand({ DetectorId: detectorId })));
    const resources: CoverageResource[] = [];
    let NextToken: string | undefined;
    do {
      const page = await client.send(
        new ListCoverageCommand({
          DetectorId: detectorId,
          NextToken,
          FilterCriteria: {
            FilterCriterion: [{ CriterionKey: "RESOURCE_TYPE", FilterCondition: { Equals: ["EC2"] } }],
          },
        }),
      );
      resources.push(...(page.Resources ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    const covered = new Map(
      resources
        .filter((r) => r.CoverageStatus === "HEALTHY")
        .map((r) => [r.ResourceDetails?.Ec2InstanceDetails?.InstanceId ?? r.ResourceId, r]),
    );
    const issues = new Map(
      resources
        .filter((r) => r.CoverageStatus !== "HEALTHY")
        .map((r) => [r.ResourceDetails?.Ec2InstanceDetails?.InstanceId ?? r.ResourceId, r.Issue ?? "unhealthy"]),
    );
    let fleetIds: string[] = [];
    if (fleet) {
      const g = await fleet.client.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [fleet.groupName] }),
      );
      fleetIds = (g.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId!).filter(Boolean);
    }
    const uncovered = fleetIds.filter((id) => !covered.has(id));
    const counts =
      `${covered.size} instance(s) covered` +
      (fleet ? `, ${fleetIds.length - uncovered.length} of ${fleetIds.length} in the fleet` : "");
    if (!runtime.on) return result(name, true, `runtime monitoring off (by design): ${counts}`);
    const detail =
      `runtime monitoring on${runtime.agentManaged ? " (agent managed by GuardDuty)" : " (agent managed by hand)"}: ${counts}` +
      (uncovered.length
        ? `; not covered: ${uncovered.map((id) => `${id} (${issues.get(id) ?? "no coverage record"})`).join(", ")}`
        : "");
    return result(name, uncovered.length === 0, detail);
  });

/** A log group "receives events" when its newest stream saw an event within maxAgeMs. */
export const checkLogGroup = (client: CloudWatchLogsClient, name: string, maxAgeMs = 60 * 60 * 1000): Check =>
  guard(`log group ${name}`, async () => {
    const r = await client.send(
      new DescribeLogStreamsCommand({ logGroupName: name, orderBy: "LastEventTime", descending: true, limit: 1 }),
    );
    const last = r.logStreams?.[0]?.lastEventTimestamp;
    const ok = last !== undefined && Date.now() - last < maxAgeMs;
    return result(`log group ${name}`, ok, last ? `last event ${new Date(last).toISOString()}` : "no events yet");
  });

/** The fleet: every instance of the group in service and healthy, and at least the group's minimum of them. */
export const checkFleet = (client: AutoScalingClient, groupName: string): Check =>
  guard("app fleet in service", async () => {
    const r = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }));
    const g = r.AutoScalingGroups?.[0];
    if (!g) return result("app fleet in service", false, `no Auto Scaling group ${groupName}`);
    const instances = g.Instances ?? [];
    const serving = instances.filter((i) => i.LifecycleState === "InService" && i.HealthStatus === "Healthy");
    const min = g.MinSize ?? 1;
    const ok = serving.length >= min && serving.length === instances.length;
    const others = instances.filter((i) => !serving.includes(i));
    return result(
      "app fleet in service",
      ok,
      `${serving.length} of ${instances.length} in service and healthy (minimum ${min})` +
        (others.length
          ? `; ${others.map((i) => `${i.InstanceId} ${i.LifecycleState}/${i.HealthStatus}`).join(", ")}`
          : ""),
    );
  });

/** The load balancer's view: every registered target passes /health. */
export const checkTargets = (client: ElasticLoadBalancingV2Client, targetGroupArn: string): Check =>
  guard("load balancer targets healthy", async () => {
    const r = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    const targets = r.TargetHealthDescriptions ?? [];
    const bad = targets.filter((t) => t.TargetHealth?.State !== "healthy");
    return result(
      "load balancer targets healthy",
      targets.length > 0 && bad.length === 0,
      bad.length
        ? bad.map((t) => `${t.Target?.Id}: ${t.TargetHealth?.State} (${t.TargetHealth?.Reason ?? "?"})`).join(", ")
        : `${targets.length} healthy`,
    );
  });

/** The database: available, encrypted, private; Multi-AZ and deletion-protected where the stack keeps data. */
export const checkDatabase = (client: RDSClient, identifier: string, keepData: boolean): Check =>
  guard("database available", async () => {
    const r = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
    const db = r.DBInstances?.[0];
    if (!db) return result("database available", false, `no DB instance ${identifier}`);
    const problems = [
      db.DBInstanceStatus !== "available" && `status ${db.DBInstanceStatus}`,
      db.StorageEncrypted !== true && "not encrypted",
      db.PubliclyAccessible === true && "publicly accessible",
      keepData && db.MultiAZ !== true && "not Multi-AZ",
      keepData && db.DeletionProtection !== true && "no deletion protection",
    ].filter(Boolean);
    return result(
      "database available",
      problems.length === 0,
      problems.length ? problems.join(", ") : `available, ${db.MultiAZ ? "Multi-AZ" : "single-AZ"}, encrypted`,
    );
  });

export interface StackOutputs {
  appUrl: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  grafanaUrl?: string;
  grafanaAdminPassword?: string;
  monitoringUser?: string;
  monitoringPassword?: string;
  /** SHA-256 fingerprints of the hosts' self-signed certificates: every https endpoint is pinned to its own. */
  appCertificateSha256?: string;
  monitoringCertificateSha256?: string;
  /** Every monitoring host of an HA pair (the first is the one above), each with its own certificate. */
  monitoringReplicas?: {
    replica: string;
    grafanaUrl: string;
    prometheusUrl: string;
    alertmanagerUrl: string;
    tlsFingerprint: string;
  }[];
  trailName?: string;
  guardDutyDetectorId?: string;
  logGroups?: Record<string, string>;
  /** The fleet tier (appTier fleet): its group, target group and database. */
  appTier?: "host" | "fleet";
  appAutoScalingGroup?: string;
  appTargetGroupArn?: string;
  databaseIdentifier?: string;
  /** prod keeps data: the database must be Multi-AZ and deletion-protected. */
  environment?: Environment;
}

/**
 * The fetch for endpoints under `url`: pinned to `fingerprint` for https. An https URL without a fingerprint is
 * an error (verify never trusts a certificate blindly, and the hosts' are self-signed) unless `publicCa` (the
 * fleet's load balancer presents an ACM certificate, checked against the system's CAs); http stays plain.
 */
export function fetcherFor(url: string, fingerprint: string | undefined, output: string, publicCa = false): Fetcher {
  if (!url.startsWith("https://") || (publicCa && !fingerprint)) return fetch;
  if (!fingerprint) throw new Error(`${url} is https but the outputs have no ${output} to pin its certificate to`);
  return pinnedFetch(fingerprint);
}

export function checksFor(o: StackOutputs, aws?: { region: string }): Check[] {
  const auth: WebAuth =
    o.monitoringUser && o.monitoringPassword
      ? { username: o.monitoringUser, password: o.monitoringPassword }
      : undefined;
  const appFetch = fetcherFor(o.appUrl, o.appCertificateSha256, "appCertificateSha256", o.appTier === "fleet");
  const monFetch = fetcherFor(o.prometheusUrl, o.monitoringCertificateSha256, "monitoringCertificateSha256");
  const checks = [
    checkApp(o.appUrl, appFetch),
    checkPrometheusReady(o.prometheusUrl, auth, monFetch),
    checkTargetsUp(o.prometheusUrl, auth, monFetch),
    checkRules(o.prometheusUrl, auth, monFetch),
    checkAlertmanager(o.alertmanagerUrl, auth, monFetch),
  ];
  if (o.grafanaUrl && o.grafanaAdminPassword) {
    checks.push(checkGrafana(o.grafanaUrl, o.grafanaAdminPassword, monFetch));
  }
  // An HA pair: the other hosts get the same checks (each pinned to its own certificate), and every member's
  // Alertmanager must see the whole cluster.
  const replicas = o.monitoringReplicas ?? [];
  if (replicas.length > 1) {
    for (const [i, m] of replicas.entries()) {
      const f = fetcherFor(m.prometheusUrl, m.tlsFingerprint, `monitoringReplicas[${i}].tlsFingerprint`);
      const own = [checkAlertmanagerCluster(m.alertmanagerUrl, replicas.length, auth, f)];
      if (i > 0) {
        own.push(
          checkPrometheusReady(m.prometheusUrl, auth, f),
          checkTargetsUp(m.prometheusUrl, auth, f),
          checkRules(m.prometheusUrl, auth, f),
          checkAlertmanager(m.alertmanagerUrl, auth, f),
          ...(o.grafanaAdminPassword ? [checkGrafana(m.grafanaUrl, o.grafanaAdminPassword, f)] : []),
        );
      }
      checks.push(...own.map((c) => forReplica(m.replica, c)));
    }
  }
  if (aws) {
    if (o.trailName) checks.push(checkTrail(new CloudTrailClient({ region: aws.region }), o.trailName));
    if (o.guardDutyDetectorId) {
      const gd = new GuardDutyClient({ region: aws.region });
      checks.push(checkGuardDuty(gd, o.guardDutyDetectorId));
      const fleet =
        o.appTier === "fleet" && o.appAutoScalingGroup
          ? { client: new AutoScalingClient({ region: aws.region }), groupName: o.appAutoScalingGroup }
          : undefined;
      checks.push(checkGuardDutyCoverage(gd, o.guardDutyDetectorId, fleet));
    }
    const logs = new CloudWatchLogsClient({ region: aws.region });
    for (const name of Object.values(o.logGroups ?? {})) checks.push(checkLogGroup(logs, name));
    if (o.appTier === "fleet") {
      if (o.appAutoScalingGroup) {
        checks.push(checkFleet(new AutoScalingClient({ region: aws.region }), o.appAutoScalingGroup));
      }
      if (o.appTargetGroupArn) {
        checks.push(checkTargets(new ElasticLoadBalancingV2Client({ region: aws.region }), o.appTargetGroupArn));
      }
      if (o.databaseIdentifier) {
        checks.push(
          checkDatabase(new RDSClient({ region: aws.region }), o.databaseIdentifier, o.environment === "prod"),
        );
      }
    }
  }
  return checks;
}

export async function runChecks(checks: Check[], print: (line: string) => void = console.log): Promise<boolean> {
  const results = await Promise.all(checks.map((c) => c()));
  for (const r of results) print(`${r.ok ? "✓" : "✗"} ${r.name.padEnd(32)} ${r.detail}`);
  return results.every((r) => r.ok);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { stack: { type: "string" }, outputs: { type: "string" }, region: { type: "string" } },
  });
  if (!values.stack) {
    console.error("usage: npm run verify -- --stack local|dev|prod [--outputs outputs.json] [--region eu-west-1]");
    return 2;
  }
  if (values.stack === "local") {
    const u = (p: number) => `http://127.0.0.1:${p}`;
    return (await runChecks(
      checksFor({
        appUrl: u(LOCAL_PORTS.app),
        prometheusUrl: u(LOCAL_PORTS.prometheus),
        alertmanagerUrl: u(LOCAL_PORTS.alertmanager),
      }),
    ))
      ? 0
      : 1;
  }
  const raw = values.outputs
    ? readFileSync(values.outputs, "utf8")
    : execFileSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", values.stack], {
        encoding: "utf8",
      });
  const outputs = JSON.parse(raw) as StackOutputs;
  const region =
    values.region ??
    (values.outputs
      ? undefined
      : execFileSync("pulumi", ["config", "get", "aws:region", "--stack", values.stack], { encoding: "utf8" }).trim());
  if (!region) {
    console.error("--region is required with --outputs (the AWS checks need it)");
    return 2;
  }
  return (await runChecks(checksFor(outputs, { region }))) ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (err) => {
      console.error(`verify failed: ${(err as Error).message}`);
      process.exitCode = 1;
    },
  );
}
