/**
 * One mock-level run of the program for the day-2 plan (not pure: runs the program under Pulumi mocks).
 *
 * Inputs are reduced to JSON (assets and archives to content hashes, as the engine compares them), the Docker
 * provider's check is emulated (it adds build.contextDigest), and - for the later run - every registration is
 * answered the way a preview would see it (plan.previewAnswer).
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { TEST_API_TOKEN, resolveOutput, runStack, stackConfig } from "../program-mocks";
import type { Environment } from "../../../components/config/environments";
import { runSpec, type ChangeId, type RunSpec } from "./changes";
import { pendingSources, predecessor, previewAnswer } from "./plan";
import type { Snapshot, SnapshotResource } from "./types";

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** Content hash of a file or a directory tree (relative paths and contents, sorted). */
function pathHash(path: string): string {
  if (!existsSync(path)) return "missing";
  if (!statSync(path).isDirectory()) return sha256(readFileSync(path));
  const h = createHash("sha256");
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
      else h.update(`${rel}${e.name}\0`).update(readFileSync(p)).update("\0");
    }
  };
  walk(path, "");
  return h.digest("hex");
}

/** Inputs as JSON: assets and archives become `{ "@asset"|"@archive": kind, ... , sha256 }`. */
export async function normalizeInputs(v: unknown): Promise<unknown> {
  if (pulumi.asset.Asset.isInstance(v)) {
    const a = v as unknown as { text?: Promise<string>; path?: Promise<string>; uri?: Promise<string> };
    if (a.text) return { "@asset": "text", sha256: sha256(await a.text) };
    if (a.path) {
      const path = await a.path;
      return { "@asset": "file", path, sha256: pathHash(path) };
    }
    return { "@asset": "remote", uri: await a.uri };
  }
  if (pulumi.asset.Archive.isInstance(v)) {
    const a = v as unknown as {
      assets?: Promise<Record<string, unknown>>;
      path?: Promise<string>;
      uri?: Promise<string>;
    };
    if (a.assets) {
      const entries = await a.assets;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(entries).sort()) out[k] = await normalizeInputs(entries[k]);
      return { "@archive": "assets", entries: out };
    }
    if (a.path) {
      const path = await a.path;
      return { "@archive": "file", path, sha256: pathHash(path) };
    }
    return { "@archive": "remote", uri: await a.uri };
  }
  if (Array.isArray(v)) return Promise.all((v as unknown[]).map(normalizeInputs));
  if (v && typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return { "@object": proto?.constructor?.name ?? "unknown" };
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = await normalizeInputs(x);
    return out;
  }
  return v;
}

/**
 * What the providers' `check` adds to the inputs the program declares (Docker: build.contextDigest, the hash of
 * the build context). The service's image hashes the service's context (`spec.imageContext`); any other image
 * (the fleet's node_exporter mirror) its own, which a service change leaves alone.
 */
function emulateCheck(type: string, inputs: Record<string, unknown>, spec: RunSpec): Record<string, unknown> {
  if (type !== "docker:index/image:Image" || !inputs.build) return inputs;
  const build = inputs.build as Record<string, unknown>;
  const service = String(build.dockerfile ?? "").endsWith("service/Dockerfile");
  return {
    ...inputs,
    build: { ...build, contextDigest: sha256(service ? spec.imageContext : JSON.stringify(build.args ?? {})) },
  };
}

export interface CaptureRequest {
  stack: Environment;
  changes: ChangeId[];
  phase: "before" | "after";
  /** The earlier run: makes this run answer registrations the way a preview would. */
  before?: Snapshot;
}

/** Run the program once for a phase of a set of changes and reduce the run to a Snapshot. */
export async function capture(req: CaptureRequest): Promise<Snapshot> {
  const base = stackConfig(req.stack, { apiToken: TEST_API_TOKEN });
  const spec = runSpec(req.changes, req.phase, (k) => {
    const v = base[`observed-app:${k}`];
    return v === undefined ? undefined : /^[\d.]+$/.test(v) ? Number(v) : v;
  });
  const earlier = new Map((req.before?.resources ?? []).map((r) => [r.key, r]));
  const renewed = new Set<string>();
  const getAmi = (args: Record<string, unknown>) => ({
    id: spec.ami.id,
    architecture: JSON.stringify(args).includes("arm64") ? "arm64" : "x86_64",
    name: spec.ami.name,
  });

  const run = await runStack(req.stack, spec.config, { "aws:ec2/getAmi:getAmi": getAmi }, req.stack, {
    async onResource(r) {
      const inputs = emulateCheck(r.type, (await normalizeInputs(r.inputs)) as Record<string, unknown>, spec);
      if (!req.before) return { inputs };
      const candidate = { ...r, inputs, forceReplace: spec.replaceTypes.includes(r.type) || undefined };
      const answer = previewAnswer(predecessor(earlier, candidate), candidate, r, undefined, renewed);
      if (answer.row.recomputed.length) renewed.add(r.key);
      return { inputs, id: answer.id, state: answer.state };
    },
  });

  const resources: SnapshotResource[] = run.resources.map((r) => ({
    ...(spec.replaceTypes.includes(r.type) ? { forceReplace: true } : {}),
    key: r.key,
    type: r.type,
    name: r.name,
    custom: r.custom,
    id: r.id,
    inputs: r.inputs,
    computed: Object.fromEntries(Object.entries(r.state).filter(([k]) => !(k in r.inputs))),
    opts: r.opts,
    propertyDeps: r.propertyDeps,
  }));
  const outputs: Snapshot["outputs"] = {};
  for (const [name, o] of Object.entries(run.exports)) {
    const value = await resolveOutput<unknown>(o);
    outputs[name] = { sha256: sha256(JSON.stringify(value) ?? "undefined"), unknown: pendingSources(value).length > 0 };
  }
  return { stack: req.stack, resources, outputs };
}
