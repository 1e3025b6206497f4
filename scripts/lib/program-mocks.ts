/**
 * Mock-level harness: runs index.ts under `pulumi.runtime.setMocks` with a stack's config (Pulumi.yaml
 * defaults, then Pulumi.<stack>.yaml, then overrides) and records every resource, with its inputs, its
 * options (protect, retainOnDelete, dependsOn, parent, ignoreChanges, deleteBeforeReplace, replaceOnChanges,
 * aliases) captured through a stack transformation, and the property dependencies the SDK sends the engine
 * (which input depends on which resource), read from the registration request.
 * No AWS and no Pulumi engine are involved: this checks what the program declares, not what AWS accepts.
 *
 *   const run = await runStack("dev", { apiToken: "x".repeat(40) });
 *   run.byType("aws:cloudtrail/trail:Trail"); await run.output("trailName");
 *
 * Load one stack per test file (the Pulumi runtime is process-global; vitest isolates files).
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { mockEcdsaKeyPem, mockSelfSignedCertPem } from "./self-signed";

import { SECRET_KEYS, type Environment } from "../../components/config";
import { stackConfig } from "./stack-config";

export { stackConfig };
import { REPO_ROOT as ROOT } from "./paths";
import { keyOfUrn } from "./plan/urn";

const PROJECT = "observed-app";

export { ROOT };
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
  opts: RecordedOptions;
  /** The id the mock (or `RunOptions.onResource`) gave the resource. */
  id: string;
  /** False for component resources (they have no provider and no inputs of their own). */
  custom: boolean;
  /** `type::name` of this resource: unique in a stack (names alone repeat across types). */
  key: string;
  /**
   * Input property → `type::name` keys of the resources its value came from, as the SDK reports them to the
   * engine in the registration request (`propertyDependencies`).
   */
  propertyDeps: Record<string, string[]>;
}

/** A resource alias as declared: the old name/type it had, or an old URN. */
export type RecordedAlias = { name?: string; type?: string; parent?: string } | { urn: string };

export interface RecordedOptions {
  protect?: boolean;
  retainOnDelete?: boolean;
  /** Names of the explicit dependencies (dependsOn). */
  dependsOn: string[];
  parent?: string;
  ignoreChanges?: string[];
  deleteBeforeReplace?: boolean;
  replaceOnChanges?: string[];
  additionalSecretOutputs?: string[];
  aliases?: RecordedAlias[];
}

/** What `RunOptions.onResource` sees of a registration, and may change. */
export interface ResourceRegistration {
  type: string;
  name: string;
  key: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  opts: RecordedOptions;
  propertyDeps: Record<string, string[]>;
  /** What the default mock would answer. */
  id: string;
  state: Record<string, unknown>;
}

export interface RunOptions {
  /**
   * Called for every registration before the mock answers. May replace the inputs that are recorded (to emulate
   * what a provider's `check` adds) and the id and state the mock returns (to simulate a preview).
   */
  onResource?: (
    r: ResourceRegistration,
  ) =>
    | { inputs?: Record<string, unknown>; id?: string; state?: Record<string, unknown> }
    | void
    | Promise<{ inputs?: Record<string, unknown>; id?: string; state?: Record<string, unknown> } | void>;
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
    case "aws:amp/workspace:Workspace":
      return `arn:aws:aps:${region}:${ACCOUNT}:workspace/ws-${name}`;
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
    // The region's Elastic Load Balancing account (eu-west-1's), which writes access logs.
    "aws:elb/getServiceAccount:getServiceAccount": () => ({
      id: "156460612806",
      arn: "arn:aws:iam::156460612806:root",
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
    ...(type === "aws:ec2/eip:Eip" ? { publicIp: `203.0.113.${seq % 250}`, allocationId: `eipalloc-${seq}` } : {}),
    ...(type === "aws:ec2/subnet:Subnet" ? { availabilityZone: inputs.availabilityZone } : {}),
    ...(type === "aws:ec2/vpcEndpoint:VpcEndpoint" && inputs.vpcEndpointType === "Gateway"
      ? { prefixListId: "pl-6da54004" }
      : {}),
    ...(type === "aws:ec2/launchTemplate:LaunchTemplate" ? { latestVersion: 1 + (seq % 3) } : {}),
    ...(type === "aws:secretsmanager/secretVersion:SecretVersion"
      ? {
          versionId: `v-${createHash("sha256").update(JSON.stringify(inputs.secretString)).digest("hex").slice(0, 12)}`,
        }
      : {}),
    ...(type === "aws:rds/instance:Instance"
      ? {
          address: `${inputs.identifier}.c0mock.${region}.rds.amazonaws.com`,
          port: 5432,
          masterUserSecrets: [
            {
              secretArn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:rds!db-${inputs.identifier}-AbCdEf`,
              kmsKeyId: inputs.masterUserSecretKmsKeyId,
              secretStatus: "active",
            },
          ],
        }
      : {}),
    ...(type === "aws:lb/loadBalancer:LoadBalancer"
      ? {
          dnsName: `${inputs.name}-123456789.${region}.elb.amazonaws.com`,
          arnSuffix: `app/${inputs.name}/0123456789abcdef`,
          zoneId: "Z32O12XQLNTSW2",
        }
      : {}),
    ...(type === "aws:lb/targetGroup:TargetGroup"
      ? { arnSuffix: `targetgroup/${String(inputs.name ?? `${inputs.namePrefix}mock`)}/0123456789abcdef` }
      : {}),
    ...(type === "aws:acm/certificate:Certificate"
      ? {
          domainValidationOptions: [
            {
              domainName: inputs.domainName,
              resourceRecordName: `_0123.${inputs.domainName}.`,
              resourceRecordType: "CNAME",
              resourceRecordValue: "_4567.acm-validations.aws.",
            },
          ],
        }
      : {}),
    ...(type === "aws:route53/record:Record" ? { fqdn: String(inputs.name).replace(/\.$/, "") } : {}),
    ...(type === "aws:amp/workspace:Workspace"
      ? { prometheusEndpoint: `https://aps-workspaces.${region}.amazonaws.com/workspaces/ws-${name}/` }
      : {}),
    ...(type === "aws:ec2/instance:Instance"
      ? {
          publicIp: `203.0.113.${seq % 250}`,
          // From the name too: instances registered at the same moment share a sequence number.
          privateIp: `10.40.${createHash("sha256").update(name).digest()[0] % 250}.${seq % 250}`,
          availabilityZone: `${region}a`,
        }
      : {}),
    ...(type === "tls:index/privateKey:PrivateKey" && inputs.algorithm === "ECDSA"
      ? { privateKeyPem: mockEcdsaKeyPem(name) }
      : type === "tls:index/privateKey:PrivateKey"
        ? {
            privateKeyOpenssh: "-----BEGIN OPENSSH PRIVATE KEY-----\nmock\n-----END OPENSSH PRIVATE KEY-----",
            publicKeyOpenssh: "ssh-ed25519 AAAAmock",
          }
        : {}),
    ...(type === "tls:index/selfSignedCert:SelfSignedCert" ? { certPem: mockSelfSignedCertPem(inputs) } : {}),
    ...(type === "random:index/randomPassword:RandomPassword"
      ? { result: name.includes("grafana") ? "generated-grafana-password-0123" : `generated-${name}-0123456789` }
      : {}),
    ...(type === "random:index/randomString:RandomString" ? { result: `random-${name}` } : {}),
  };
}

export async function runStack(
  stack: Environment,
  overrides: Record<string, unknown> = {},
  extraCalls: Record<string, (args: Record<string, unknown>) => Record<string, unknown>> = {},
  /** The stack's name, when it differs from the stack file read (e.g. `production` with Pulumi.prod.yaml). */
  stackName: string = stack,
  options: RunOptions = {},
): Promise<StackRun> {
  const config = stackConfig(stack, { apiToken: TEST_API_TOKEN, ...overrides });
  const region = config["aws:region"];
  // The deploying machine's checks (components/preflight.ts) ask the network and docker: off unless a test
  // turns them on with its own probes (OBSERVED_APP_DEPLOYER_IP, OBSERVED_APP_BUILDX_PLATFORMS).
  process.env.OBSERVED_APP_PREFLIGHT ??= "off";
  const resources: Recorded[] = [];
  const invokes: StackRun["invokes"] = [];
  const names = new Map<pulumi.Resource, string>();
  const optsByKey = new Map<string, RecordedOptions>();
  const depsByKey = new Map<string, Record<string, string[]>>();

  const calls = { ...mockCalls(region), ...extraCalls };

  pulumi.runtime.setAllConfig(
    config,
    SECRET_KEYS.map((k) => `${PROJECT}:${k}`),
  );
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const key = `${args.type}::${args.name}`;
        let inputs = walkSecrets(args.inputs, (x) => x) as Record<string, unknown>;
        const redacted = walkSecrets(args.inputs, () => "[secret]") as Record<string, unknown>;
        const opts = optsByKey.get(key) ?? { dependsOn: [] };
        const custom = args.custom !== false;
        let id =
          args.type === "aws:guardduty/detector:Detector" ? "0123456789abcdef0123456789abcdef" : `${args.name}-id`;
        let state = mockState(args.type, args.name, inputs, region, resources.length);
        const propertyDeps = depsByKey.get(key) ?? {};
        const changed = await options.onResource?.({
          type: args.type,
          name: args.name,
          key,
          custom,
          inputs,
          opts,
          propertyDeps,
          id,
          state,
        });
        if (changed) {
          inputs = changed.inputs ?? inputs;
          id = changed.id ?? id;
          state = changed.state ?? state;
        }
        resources.push({
          type: args.type,
          name: args.name,
          inputs,
          redacted,
          state,
          opts,
          id,
          custom,
          key,
          propertyDeps,
        });
        return { id, state };
      },
      call(args) {
        invokes.push({ token: args.token, args: args.inputs as Record<string, unknown> });
        const fn = calls[args.token];
        return fn ? fn(args.inputs as Record<string, unknown>) : {};
      },
    },
    PROJECT,
    stackName,
    false,
  );
  captureRegistrations(depsByKey);
  let exports: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((t) => {
      names.set(t.resource, t.name);
      const deps = Array.isArray(t.opts.dependsOn) ? t.opts.dependsOn : t.opts.dependsOn ? [t.opts.dependsOn] : [];
      optsByKey.set(`${t.type}::${t.name}`, {
        protect: t.opts.protect,
        retainOnDelete: t.opts.retainOnDelete,
        deleteBeforeReplace: (t.opts as pulumi.CustomResourceOptions).deleteBeforeReplace,
        ignoreChanges: t.opts.ignoreChanges,
        replaceOnChanges: t.opts.replaceOnChanges,
        additionalSecretOutputs: (t.opts as pulumi.CustomResourceOptions).additionalSecretOutputs,
        dependsOn: (deps as pulumi.Resource[]).map((d) => names.get(d) ?? "<unknown>"),
        parent: t.opts.parent ? names.get(t.opts.parent) : undefined,
        aliases: t.opts.aliases?.map(recordAlias),
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

/** Aliases as plain data: an old URN, or the old name/type (an alias's parent is kept by name when it is one). */
function recordAlias(a: pulumi.Input<string | pulumi.Alias>): RecordedAlias {
  if (typeof a === "string") return { urn: a };
  if (!a || typeof a !== "object" || pulumi.Output.isInstance(a)) return { urn: "<output>" };
  const alias = a as pulumi.Alias;
  const plain = (v: unknown) => (typeof v === "string" ? v : undefined);
  return { name: plain(alias.name), type: plain(alias.type), parent: plain(alias.parent) };
}

/**
 * Read each registration request on its way to the mock monitor: the SDK puts there, per input property, the
 * URNs of the resources the value depends on. That is what the engine uses to order steps and what makes a
 * value unknown at preview when the resource it came from is replaced.
 */
function captureRegistrations(depsByKey: Map<string, Record<string, string[]>>): void {
  type Req = {
    getType(): string;
    getName(): string;
    getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
  };
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: Req, cb: unknown): unknown };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: Req, cb: unknown) => {
    const deps: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v, k) => {
      const keys = v.getUrnsList().map(keyOfUrn);
      if (keys.length) deps[k] = keys;
    });
    depsByKey.set(`${req.getType()}::${req.getName()}`, deps);
    return register(req, cb);
  };
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
