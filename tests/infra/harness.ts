/**
 * Mock-level harness: runs index.ts under `pulumi.runtime.setMocks` with a stack's config (Pulumi.yaml
 * defaults, then Pulumi.<stack>.yaml, then overrides) and records every resource, with its inputs and its
 * options (protect, retainOnDelete, dependsOn, parent) captured through a stack transformation.
 * No AWS and no Pulumi engine are involved: this checks what the program declares, not what AWS accepts.
 *
 *   const run = await runStack("dev", { apiToken: "x".repeat(40) });
 *   run.byType("aws:cloudtrail/trail:Trail"); await run.output("trailName");
 *
 * Load one stack per test file (the Pulumi runtime is process-global; vitest isolates files).
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";

export const ROOT = resolve(__dirname, "..", "..");
export const ACCOUNT = "123456789012";
export const TEST_API_TOKEN = "mock-api-token-0123456789abcdef0123456789";

export interface Recorded {
  type: string;
  name: string;
  /** Inputs with Pulumi secrets unwrapped to their values. */
  inputs: Record<string, unknown>;
  /** Inputs with every Pulumi secret replaced by "[secret]": what would be stored or shown in plain text. */
  redacted: Record<string, unknown>;
  state: Record<string, unknown>;
  opts: { protect?: boolean; retainOnDelete?: boolean; dependsOn: string[]; parent?: string };
}

export interface StackRun {
  stack: string;
  region: string;
  resources: Recorded[];
  invokes: { token: string; args: Record<string, unknown> }[];
  exports: Record<string, unknown>;
  byType(type: string): Recorded[];
  one(type: string, nameIncludes?: string): Recorded;
  output(name: string): Promise<unknown>;
}

/** Config of a stack as the Pulumi CLI would pass it: Pulumi.yaml defaults overlaid by the stack file. */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, string> {
  const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as {
    name: string;
    config: Record<string, { default?: unknown }>;
  };
  const stackFile = parse(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  const out: Record<string, string> = {};
  const put = (key: string, v: unknown) => {
    if (v === undefined || v === null) return;
    out[key] = typeof v === "string" ? v : JSON.stringify(v);
  };
  for (const [k, spec] of Object.entries(project.config)) put(`${project.name}:${k}`, spec.default);
  for (const [k, v] of Object.entries(stackFile.config)) put(k, v);
  for (const [k, v] of Object.entries(overrides)) put(k.includes(":") ? k : `${project.name}:${k}`, v);
  return out;
}

/** The marker the Pulumi runtime puts on secret values it hands to mocks. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function walkSecrets(v: unknown, replace: (secretValue: unknown) => unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => walkSecrets(x, replace));
  if (v && typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v; // assets, archives, promises: as they are
    const o = v as Record<string, unknown>;
    if (o[SECRET_SIG] === SECRET_VALUE) return replace(walkSecrets(o.value, replace));
    if (o[SECRET_SIG]) return o; // assets and archives keep their shape
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walkSecrets(x, replace)]));
  }
  return v;
}

function arnFor(type: string, name: string, inputs: Record<string, unknown>, region: string): string | undefined {
  const n = (inputs.name as string) ?? name;
  const [pkg, mod] = type.split(":");
  if (pkg !== "aws") return undefined;
  const service = mod.split("/")[0];
  switch (type) {
    case "aws:s3/bucket:Bucket":
      return `arn:aws:s3:::${name}-bucket`;
    case "aws:cloudwatch/logGroup:LogGroup":
      return `arn:aws:logs:${region}:${ACCOUNT}:log-group:${n}`;
    case "aws:cloudtrail/trail:Trail":
      return `arn:aws:cloudtrail:${region}:${ACCOUNT}:trail/${n}`;
    case "aws:sns/topic:Topic":
      return `arn:aws:sns:${region}:${ACCOUNT}:${n}`;
    case "aws:cloudwatch/eventRule:EventRule":
      return `arn:aws:events:${region}:${ACCOUNT}:rule/${n}`;
    case "aws:kms/key:Key":
      return `arn:aws:kms:${region}:${ACCOUNT}:key/${name}`;
    case "aws:iam/role:Role":
      return `arn:aws:iam::${ACCOUNT}:role/${name}`;
    default:
      return `arn:aws:${service}:${region}:${ACCOUNT}:${name}`;
  }
}

/** Answers to the provider functions the program invokes. */
export function mockCalls(region: string): Record<string, (args: Record<string, unknown>) => Record<string, unknown>> {
  return {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
      accountId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:user/ci`,
      userId: "AIDAMOCK",
    }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com" }),
    "aws:index/getRegion:getRegion": () => ({ name: region, region }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
      names: ["a", "b", "c", "d"].map((z) => `${region}${z}`),
      zoneIds: ["1", "2", "3", "4"].map((z) => `euw1-az${z}`),
    }),
    "aws:ec2/getAmi:getAmi": (a) => ({
      id: "ami-0123456789abcdef0",
      architecture: JSON.stringify(a).includes("arm64") ? "arm64" : "x86_64",
      name: "al2023-ami-2023.6-kernel-6.1",
    }),
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": () => ({
      userName: "AWS",
      password: "mock-ecr-password",
      authorizationToken: "bW9jaw==",
      proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.${region}.amazonaws.com`,
    }),
  };
}

/** Outputs a real provider would add, made up plausibly (ARNs, ids, IPs, digests) for mocks. */
export function mockState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  region: string,
  seq: number,
): Record<string, unknown> {
  const arn = arnFor(type, name, inputs, region);
  return {
    ...inputs,
    ...(arn ? { arn } : {}),
    ...(type === "aws:s3/bucket:Bucket" ? { bucket: `${name}-bucket` } : {}),
    ...(type === "aws:kms/key:Key" ? { keyId: `${name}-key-id` } : {}),
    ...(type === "aws:guardduty/detector:Detector" ? { id: "0123456789abcdef0123456789abcdef" } : {}),
    ...(type.startsWith("aws:cloudwatch/logGroup") ? { name: inputs.name ?? name } : {}),
    ...(type === "aws:ecr/repository:Repository"
      ? { repositoryUrl: `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${inputs.name}`, registryId: ACCOUNT }
      : {}),
    ...(type === "docker:index/image:Image"
      ? { repoDigest: `${String(inputs.imageName).split(":")[0]}@sha256:${"ab".repeat(32)}` }
      : {}),
    ...(type === "aws:ec2/instance:Instance"
      ? { publicIp: `203.0.113.${seq % 250}`, privateIp: `10.40.0.${seq % 250}`, availabilityZone: `${region}a` }
      : {}),
    ...(type === "tls:index/privateKey:PrivateKey"
      ? {
          privateKeyOpenssh: "-----BEGIN OPENSSH PRIVATE KEY-----\nmock\n-----END OPENSSH PRIVATE KEY-----",
          publicKeyOpenssh: "ssh-ed25519 AAAAmock",
        }
      : {}),
    ...(type === "random:index/randomPassword:RandomPassword" ? { result: "generated-grafana-password-0123" } : {}),
  };
}

export async function runStack(
  stack: "dev" | "prod",
  overrides: Record<string, unknown> = {},
  extraCalls: Record<string, (args: Record<string, unknown>) => Record<string, unknown>> = {},
): Promise<StackRun> {
  const config = stackConfig(stack, { apiToken: TEST_API_TOKEN, ...overrides });
  const region = config["aws:region"];
  const resources: Recorded[] = [];
  const invokes: StackRun["invokes"] = [];
  const names = new Map<pulumi.Resource, string>();
  const optsByName = new Map<string, Recorded["opts"]>();

  const calls = { ...mockCalls(region), ...extraCalls };

  pulumi.runtime.setAllConfig(config, [
    "observed-app:apiToken",
    "observed-app:grafanaAdminPassword",
    "observed-app:slackWebhookUrl",
  ]);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = walkSecrets(args.inputs, (x) => x) as Record<string, unknown>;
        const redacted = walkSecrets(args.inputs, () => "[secret]") as Record<string, unknown>;
        const state = mockState(args.type, args.name, inputs, region, resources.length);
        resources.push({
          type: args.type,
          name: args.name,
          inputs,
          redacted,
          state,
          opts: optsByName.get(`${args.type}::${args.name}`) ?? { dependsOn: [] },
        });
        const id =
          args.type === "aws:guardduty/detector:Detector" ? "0123456789abcdef0123456789abcdef" : `${args.name}-id`;
        return { id, state };
      },
      call(args) {
        invokes.push({ token: args.token, args: args.inputs as Record<string, unknown> });
        const fn = calls[args.token];
        return fn ? fn(args.inputs as Record<string, unknown>) : {};
      },
    },
    "observed-app",
    stack,
    false,
  );
  let exports: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((t) => {
      names.set(t.resource, t.name);
      const deps = Array.isArray(t.opts.dependsOn) ? t.opts.dependsOn : t.opts.dependsOn ? [t.opts.dependsOn] : [];
      optsByName.set(`${t.type}::${t.name}`, {
        protect: t.opts.protect,
        retainOnDelete: t.opts.retainOnDelete,
        dependsOn: (deps as pulumi.Resource[]).map((d) => names.get(d) ?? "<unknown>"),
        parent: t.opts.parent ? names.get(t.opts.parent) : undefined,
      });
      return undefined;
    });

    exports = (await import(join(ROOT, "index.ts"))) as Record<string, unknown>;
    return exports;
  });
  // Let every apply and mock registration settle.
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 200));

  const run: StackRun = {
    stack,
    region,
    resources,
    invokes,
    exports,
    byType: (type) => resources.filter((r) => r.type === type),
    one(type, nameIncludes) {
      const found = resources.filter((r) => r.type === type && (!nameIncludes || r.name.includes(nameIncludes)));
      if (found.length !== 1)
        throw new Error(`expected one ${type}${nameIncludes ? ` named *${nameIncludes}*` : ""}, found ${found.length}`);
      return found[0];
    },
    output: (name) => resolveOutput(exports[name]),
  };
  return run;
}

/** Resolve an Output (mock-level: values are known) to its plain value. */
export function resolveOutput<T>(o: unknown): Promise<T> {
  if (!pulumi.Output.isInstance(o)) return Promise.resolve(o as T);
  return new Promise((res) => (o as pulumi.Output<T>).apply((v) => res(v)));
}

/** Parse a JSON policy input (a string once resolved). */
export function policy(r: Recorded, key = "policy"): { Statement: Record<string, unknown>[] } {
  const v = r.inputs[key];
  return typeof v === "string" ? JSON.parse(v) : (v as { Statement: Record<string, unknown>[] });
}
