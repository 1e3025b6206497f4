/**
 * Render parity (mock-level): what `npm run render -- --stack dev|prod` shows (scripts/lib/render-stack.ts) is
 * what the MonitoringHost ships, file by file and replica by replica, once every value only a deployment knows
 * is replaced by render's marker for it. The deployed values are read from the mock run's resources (never
 * from the component), the markers from render: a value render does not mark, or marks where the stack has no
 * such value, leaves a difference.
 */
import { isDeepStrictEqual } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { bundleFromTarBase64 } from "../../components/bundle-archive";
import { replicaName } from "../../components/monitoring-inputs";
import { stackPrefix, type Bundle } from "../../monitoring-config";
import { ACCOUNT, runStack, type StackRun } from "../../scripts/lib/program-mocks";
import { deployedMarkers, MARKERS, renderStack, stackSource, type StackSource } from "../../scripts/lib/render-stack";
import type { Environment } from "../../components/config";

const COMMAND = "command:remote:Command";
const CERT = "tls:index/selfSignedCert:SelfSignedCert";
/** web.yml's bcrypt hash: derived from the web password and a salt only a deployment has. */
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const HASHED = "<bcrypt hash of the web password>";

/** A bundle's files, YAML and JSON parsed (so a value is compared wherever the file nests it), others as text. */
export type Normalized = Record<string, unknown>;

/** A deploy-time value of the mock run, and render's marker for it. */
export type Substitution = readonly [value: string, marker: string];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * `bundle` with each substitution's value replaced by its marker (longest first; a value is never matched
 * inside a longer number, so 10.40.3.4 leaves 10.40.3.45 alone) and bcrypt hashes by one placeholder.
 */
export function normalize(bundle: Bundle, substitutions: readonly Substitution[] = []): Normalized {
  const patterns = [...substitutions]
    .sort(([a], [b]) => b.length - a.length)
    .map(([value, marker]) => [new RegExp(`(?<!\\d)${escape(value)}(?!\\d)`, "g"), marker] as const);
  const text = (s: string) => patterns.reduce((acc, [re, marker]) => acc.replace(re, () => marker), s);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return BCRYPT.test(v) ? HASHED : text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [text(k), walk(x)]));
    return v;
  };
  const read = (path: string, content: string) =>
    /\.ya?ml$/.test(path) ? walk(parse(content)) : path.endsWith(".json") ? walk(JSON.parse(content)) : text(content);
  return Object.fromEntries(
    Object.keys(bundle)
      .sort()
      .map((path) => [path, read(path, bundle[path])]),
  );
}

/** The paths whose content differs between two normalized bundles, or that only one of them has. */
export function differences(a: Normalized, b: Normalized): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((p) => !isDeepStrictEqual(a[p], b[p])).sort();
}

/** The name of replica `i`'s monitoring host in the run (the first keeps the component's own name). */
export function monitoringHostName(source: StackSource, i: number): string {
  const base = `${stackPrefix(source.settings.project, source.settings.stack)}-monitoring`;
  return i === 0 ? base : `${base}-${replicaName(i)}`;
}

/** The whole bundle a monitoring host receives: its configuration (bundle step) and its secrets (apply step). */
export async function shippedBundle(run: StackRun, host: string): Promise<Bundle> {
  const step = (role: string) => {
    const found = run.resources.find((r) => r.type === COMMAND && r.name === `${host}-${role}`);
    if (!found) throw new Error(`no ${COMMAND} named ${host}-${role}`);
    return String(found.inputs.stdin);
  };
  const secrets = /^SECRETS_B64=(.*)$/m.exec(step("apply"))![1];
  return { ...(await bundleFromTarBase64(step("bundle"))), ...(await bundleFromTarBase64(secrets)) };
}

/** Each deploy-time value replica `replica` of the run receives, paired with render's marker for it. */
export async function substitutions(run: StackRun, source: StackSource, replica: number): Promise<Substitution[]> {
  const marks = deployedMarkers(source, replica);
  const state = (type: string, name: string) => {
    const found = run.resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}`);
    return found.state;
  };
  const host = (i: number) => monitoringHostName(source, i);
  const unmarked = (what: string) => `(render marks no ${what})`;
  const hosts = monitoringHostCount(run);
  const peers = hosts > 1 ? Array.from({ length: hosts }, (_, i) => i) : [];
  const certOf = (i: number) => String(state(CERT, `${host(i)}-tls`).certPem);
  const all = (type: string) => run.byType(type);
  return [
    [ACCOUNT, MARKERS.accountId],
    [String(await run.output("appUrl")), marks.appUrl],
    [
      String(state("random:index/randomPassword:RandomPassword", `${host(0)}-grafana-admin`).result),
      marks.grafanaAdminPassword,
    ],
    [String(await run.output("monitoringPassword")), marks.web.password],
    [certOf(replica), marks.tls.certPem],
    [String(state("tls:index/privateKey:PrivateKey", `${host(replica)}-tls`).privateKeyPem), marks.tls.keyPem],
    ...peers.flatMap((i): Substitution[] => [
      [
        String(state("aws:ec2/instance:Instance", `${host(i)}-host`).privateIp),
        marks.pair?.[i]?.privateIp ?? unmarked(`peer ${i} address`),
      ],
      [certOf(i), marks.pair?.[i]?.certPem ?? unmarked(`peer ${i} certificate`)],
    ]),
    // The app host's own certificate (host tier): the probe's only CA.
    ...all(CERT)
      .filter((r) => !r.name.startsWith(host(0)))
      .map((r): Substitution => [String(r.state.certPem), marks.probeCaPem ?? unmarked("app certificate")]),
    ...all("aws:amp/workspace:Workspace").map((r): Substitution => [
      String(r.state.prometheusEndpoint),
      marks.workspaceEndpoint ?? unmarked("workspace"),
    ]),
    ...all("aws:lb/loadBalancer:LoadBalancer").map((r): Substitution => [
      String(r.state.arnSuffix),
      marks.fleet?.loadBalancer ?? unmarked("load balancer"),
    ]),
    ...all("aws:lb/targetGroup:TargetGroup").map((r): Substitution => [
      String(r.state.arnSuffix),
      marks.fleet?.targetGroup ?? unmarked("target group"),
    ]),
    ...all("aws:rds/instance:Instance").map((r): Substitution => [
      String(r.inputs.identifier),
      marks.fleet?.dbInstance ?? unmarked("database"),
    ]),
  ];
}

/** How many monitoring hosts the run set up (one bundle step each). */
export function monitoringHostCount(run: StackRun): number {
  return run.byType(COMMAND).filter((r) => /-monitoring(-[a-z])?-bundle$/.test(r.name)).length;
}

/** What replica `replica` of the run receives, normalized with render's markers. */
export async function shippedNormalized(run: StackRun, source: StackSource, replica: number): Promise<Normalized> {
  return normalize(
    await shippedBundle(run, monitoringHostName(source, replica)),
    await substitutions(run, source, replica),
  );
}

/** For each of the run's monitoring hosts: render's bundle of that replica equals what the host receives. */
export async function expectRenderParity(run: StackRun): Promise<void> {
  const stack = run.stack as Environment;
  const source = stackSource(stack);
  const replicas = monitoringHostCount(run);
  expect(replicas, "monitoring hosts: the component's and render's").toBe(source.settings.monitoring.replicas);
  for (let i = 0; i < replicas; i++) {
    const shipped = await shippedNormalized(run, source, i);
    const rendered = normalize(renderStack(stack, { replica: i }).bundle);
    expect(Object.keys(rendered), `replica ${replicaName(i)}: the files`).toEqual(Object.keys(shipped));
    for (const path of Object.keys(shipped)) {
      expect(rendered[path], `replica ${replicaName(i)}: ${path}`).toEqual(shipped[path]);
    }
  }
}

/**
 * The suite of one stack: its program under mocks (one per file: Pulumi's mocks are process-wide), the parity of
 * every replica, and the stack's own cases, which `more` declares with access to the run.
 */
export function describeRenderParity(stack: Environment, more: (run: () => StackRun) => void): void {
  describe(`npm run render -- --stack ${stack} shows what ${stack} deploys (mock-level)`, () => {
    let run: StackRun;
    beforeAll(async () => {
      run = await runStack(stack);
    }, 120_000);

    it("each replica's render equals what its monitoring host receives, once deploy-time values are marked", () =>
      expectRenderParity(run));

    more(() => run);
  });
}
