/**
 * Replays a stack's remote steps (capture.ts) against rehearsal hosts (host.ts) the way `pulumi up` runs them
 * with @pulumi/command 1.2.1: in dependency order; a step runs when it is new or any of its inputs changed
 * (a changed trigger replaces it, which runs `create`; other changes update it, which runs `update`, or `create`
 * when there is none); an unchanged step does not run; a failed step fails the update, its dependents do not
 * run, and it is tried again on the next update (the state keeps its old inputs).
 *
 * Also: bundle edits, the way a changed rendering reaches the hosts (the bundle step's stdin and the bundle
 * hash in its triggers and the apply step's, together).
 */
import { createHash } from "node:crypto";
import { parseDocument } from "yaml";
import { bundleFromTarBase64, bundleTarBase64 } from "../../components/bundle-archive";
import { bundleHash, type Bundle } from "../../monitoring-config";
import type { Capture, RemoteStep } from "./capture";
import { sshRun, type RehearsalHost, type SshResult } from "./host";
import type { Engine } from "./engine";

export type Action = "created" | "updated" | "unchanged" | "failed" | "not run";

export interface StepResult {
  round: string;
  step: string;
  host: string;
  action: Action;
  seconds: number;
  /** The last lines of the step's stderr when it failed. */
  error?: string;
  result?: SshResult;
}

const fingerprint = (s: RemoteStep) =>
  createHash("sha256")
    .update(JSON.stringify([s.create, s.update, s.delete, s.stdin, s.environment, s.connection]))
    .digest("hex");
const triggersOf = (s: RemoteStep) => createHash("sha256").update(JSON.stringify(s.triggers)).digest("hex");

/** Steps in dependency order (stable: by name among the ready ones); throws on a cycle or an unknown step. */
export function ordered(steps: RemoteStep[]): RemoteStep[] {
  const byName = new Map(steps.map((s) => [s.name, s]));
  for (const s of steps)
    for (const a of s.after) if (!byName.has(a)) throw new Error(`${s.name} depends on unknown step ${a}`);
  const done = new Set<string>();
  const out: RemoteStep[] = [];
  while (out.length < steps.length) {
    const ready = steps.filter((s) => !done.has(s.name) && s.after.every((a) => done.has(a)));
    if (!ready.length) throw new Error("the remote steps' dependencies form a cycle");
    ready.sort((a, b) => a.name.localeCompare(b.name));
    for (const s of ready) {
      done.add(s.name);
      out.push(s);
    }
  }
  return out;
}

export class Replayer {
  /** What the stack's state holds for each step after its last successful run: inputs and triggers. */
  private readonly state = new Map<string, { inputs: string; triggers: string }>();
  readonly results: StepResult[] = [];

  constructor(
    private readonly engine: Engine,
    /** Address the steps connect to → the host standing in for it. */
    private readonly hosts: Map<string, RehearsalHost>,
    private readonly workDir: string,
    private readonly progress: (line: string) => void = () => {},
  ) {}

  /** One `pulumi up`: returns this round's results (also kept in `results`). `force` re-runs every step. */
  async up(round: string, capture: Capture, opts: { force?: boolean } = {}): Promise<StepResult[]> {
    const results: StepResult[] = [];
    const failed = new Set<string>();
    for (const step of ordered(capture.steps)) {
      const host = this.hosts.get(step.connection.host);
      if (!host) throw new Error(`${step.name}: no rehearsal host for ${step.connection.host}`);
      if (step.delete) throw new Error(`${step.name}: has a delete command, which this replay does not run yet`);
      if (step.environment && Object.keys(step.environment).length)
        throw new Error(`${step.name}: sets environment, which this replay does not pass yet`);
      const base = { round, step: step.name, host: host.facts.instance };
      if (step.after.some((a) => failed.has(a))) {
        failed.add(step.name);
        results.push({ ...base, action: "not run", seconds: 0 });
        this.progress(`${round}: ${step.name} not run (a step it depends on failed)`);
        continue;
      }
      const before = this.state.get(step.name);
      const now = { inputs: fingerprint(step), triggers: triggersOf(step) };
      if (!opts.force && before && before.inputs === now.inputs && before.triggers === now.triggers) {
        results.push({ ...base, action: "unchanged", seconds: 0 });
        this.progress(`${round}: ${step.name} unchanged`);
        continue;
      }
      const replace = !before || before.triggers !== now.triggers;
      const command = replace ? step.create : (step.update ?? step.create);
      this.progress(`${round}: ${step.name} on ${host.facts.instance} (${replace ? "create" : "update"}) …`);
      const containersBefore = this.containers();
      const r = await sshRun(host, step.connection, command, step.stdin, this.workDir);
      for (const c of this.containers()) if (!containersBefore.has(c)) host.started.add(c);
      const ok = r.code === 0;
      const action: Action = ok ? (replace ? "created" : "updated") : "failed";
      const error = ok ? undefined : (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-12).join("\n");
      results.push({ ...base, action, seconds: r.seconds, error, result: r });
      this.progress(`${round}: ${step.name} ${action} in ${r.seconds.toFixed(1)} s${error ? `\n${error}` : ""}`);
      if (ok) this.state.set(step.name, now);
      else failed.add(step.name);
    }
    this.results.push(...results);
    return results;
  }

  private containers(): Set<string> {
    const r = this.engine.docker(["ps", "-a", "--format", "{{.Names}}"]);
    return new Set(r.stdout.split("\n").filter(Boolean));
  }
}

/** The bundle a capture ships (the bundle step's stdin), decoded. */
export async function bundleOf(capture: Capture): Promise<{ step: RemoteStep; files: Bundle }> {
  const step = capture.steps.find((s) => s.stdin && s.create.includes("tar -x"));
  if (!step?.stdin) throw new Error("no step ships the monitoring bundle");
  const files = await bundleFromTarBase64(step.stdin);
  return { step, files };
}

/**
 * A capture whose bundle is `edit(files)`: the bundle step's stdin re-packed, and the bundle's hash replaced
 * wherever a step's triggers carry it (as the program would have rendered it).
 */
export async function withBundle(capture: Capture, edit: (files: Bundle) => Bundle): Promise<Capture> {
  const { step, files } = await bundleOf(capture);
  const oldHash = bundleHash(files);
  if (!capture.steps.some((s) => s.triggers.includes(oldHash)))
    throw new Error("no step's triggers carry the bundle's hash: the decoded bundle is not the one rendered");
  const edited = edit({ ...files });
  const [stdin, newHash] = [await bundleTarBase64(edited), bundleHash(edited)];
  return {
    ...capture,
    steps: capture.steps.map((s) => ({
      ...s,
      ...(s === step ? { stdin } : {}),
      triggers: s.triggers.map((t) => (t === oldHash ? newHash : t)),
    })),
  };
}

/** Edit one YAML file of a bundle, keeping its comments and layout. */
export function editYaml(files: Bundle, path: string, edit: (doc: ReturnType<typeof parseDocument>) => void): Bundle {
  if (!(path in files)) throw new Error(`the bundle has no ${path}`);
  const doc = parseDocument(files[path]);
  edit(doc);
  return { ...files, [path]: doc.toString({ lineWidth: 0 }) };
}

/** A results table: round, step, host, what happened, seconds. */
export function summaryTable(results: StepResult[]): string {
  const rows = results.map((r) => [r.round, r.step, r.host, r.action, r.seconds ? r.seconds.toFixed(1) : "-"]);
  const head = ["round", "step", "host", "action", "seconds"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
