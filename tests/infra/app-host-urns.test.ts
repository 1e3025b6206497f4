/**
 * The host tier keeps its URNs now that AppHost (components/app-host.ts) holds it. A URN names its parent's type
 * chain: moved under a new component, a resource gets a new URN, and without an alias the engine would create it
 * anew and delete the old one (the app host and its data volume, on a user's next `pulumi up`). The day-2 plans
 * compare resources by type and name, which a move does not change, so this suite looks at URNs themselves: it
 * runs the dev program (the host tier) under mocks, reads every registration request the SDK sends (with its
 * alias specs), and resolves URNs and aliases as the engine does: the parent's qualified type (none under the
 * root stack), `$`, the type, `::`, the name.
 */
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SECRET_KEYS } from "../../components/config";
import { mockCalls, mockState, ROOT, stackConfig, TEST_API_TOKEN } from "../../scripts/lib/program-mocks";

const PROJECT = "observed-app";
const STACK = "dev";
const ROOT_TYPE = "pulumi:pulumi:Stack";
const APP = `${PROJECT}-${STACK}-app`;

/** An alias spec as the SDK sends it (`parentUrn` is the monitor's URN of the old parent). */
interface AliasSpec {
  name: string;
  type: string;
  parentUrn: string;
  noParent: boolean;
}
/** One registration, with the URN the engine would give it. */
interface Registration {
  type: string;
  name: string;
  custom: boolean;
  urn: string;
  /** The engine URN of its parent (absent for the root stack). */
  parentUrn?: string;
  aliases: AliasSpec[];
}

/** `urn:pulumi:stack::project::qualified-type::name` → its qualified type (the parents' types and its own). */
const qualifiedType = (urn: string) => urn.split("::")[2];

/** The URN the engine gives a resource: its parent's qualified type (none under the root stack), `$`, its type. */
function engineUrn(type: string, name: string, parentUrn?: string): string {
  const chain = parentUrn && qualifiedType(parentUrn) !== ROOT_TYPE ? `${qualifiedType(parentUrn)}$${type}` : type;
  return `urn:pulumi:${STACK}::${PROJECT}::${chain}::${name}`;
}

type Spec = {
  getName(): string;
  getType(): string;
  getParenturn(): string;
  getNoparent(): boolean;
};
type Request = {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getAliasesList(): { hasSpec(): boolean; getSpec(): Spec | undefined }[];
};
type Callback = (err: unknown, res?: { getUrn(): string }) => void;

/** Every registration the program sends, in order, with engine URNs (the mock monitor's differ for nested types). */
function captureRegistrations(): Registration[] {
  const regs: Registration[] = [];
  const engineByMonitor = new Map<string, string>();
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: Request, cb: Callback): unknown };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    register(req, (err, res) => {
      if (res) {
        const parentUrn = req.getParent() ? engineByMonitor.get(req.getParent()) : undefined;
        const urn = engineUrn(req.getType(), req.getName(), parentUrn);
        engineByMonitor.set(res.getUrn(), urn);
        const aliases = req
          .getAliasesList()
          .filter((a) => a.hasSpec())
          .map((a) => a.getSpec()!)
          .map((s) => ({
            name: s.getName(),
            type: s.getType(),
            parentUrn: s.getParenturn() ? (engineByMonitor.get(s.getParenturn()) ?? `unknown ${s.getParenturn()}`) : "",
            noParent: s.getNoparent(),
          }));
        regs.push({ type: req.getType(), name: req.getName(), custom: req.getCustom(), urn, parentUrn, aliases });
      }
      cb(err, res);
    });
  return regs;
}

/** The URN an alias names, resolved as the engine does (an unnamed part is the resource's own). */
const aliasUrn = (r: Registration, a: AliasSpec) =>
  engineUrn(a.type || r.type, a.name || r.name, a.noParent ? undefined : a.parentUrn || r.parentUrn);

describe("the app host tier under AppHost keeps its URNs (mock-level: the registration requests)", () => {
  let regs: Registration[];
  const one = (type: string) => {
    const found = regs.filter((r) => r.type === type);
    expect(found.map((r) => r.name)).toEqual([APP]);
    return found[0];
  };

  beforeAll(async () => {
    process.env.OBSERVED_APP_PREFLIGHT ??= "off";
    const config = stackConfig(STACK, { apiToken: TEST_API_TOKEN });
    const region = config["aws:region"];
    const calls = mockCalls(region);
    let seq = 0;
    pulumi.runtime.setAllConfig(
      config,
      SECRET_KEYS.map((k) => `${PROJECT}:${k}`),
    );
    await pulumi.runtime.setMocks(
      {
        newResource: (a) => ({
          id: `${a.name}-id`,
          state: mockState(a.type, a.name, a.inputs as Record<string, unknown>, region, seq++),
        }),
        call: (a) => calls[a.token]?.(a.inputs as Record<string, unknown>) ?? {},
      },
      PROJECT,
      STACK,
      false,
    );
    regs = captureRegistrations();
    await pulumi.runtime.runInPulumiStack(
      async () => (await import(join(ROOT, "index.ts"))) as Record<string, unknown>,
    );
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 200));
  }, 120_000);

  it("dev runs the host tier in an AppHost, a child of ObservedApp named as it is", () => {
    const app = one("observed-app:index:ObservedApp");
    const host = one("observed-app:index:AppHost");
    expect(host.parentUrn).toBe(app.urn);
    expect(app.urn).toBe(`urn:pulumi:${STACK}::${PROJECT}::observed-app:index:ObservedApp::${APP}`);
  });

  it("every resource of the app (ObservedApp's own and AppHost's) answers to the URN it had as ObservedApp's child", () => {
    const app = one("observed-app:index:ObservedApp");
    const host = one("observed-app:index:AppHost");
    const under = regs.filter((r) => r.custom && (r.parentUrn === app.urn || r.parentUrn === host.urn));
    const moved = under.filter((r) => r.parentUrn === host.urn);
    // The host, its role, key pair, keys, security group and rules, data volume, Elastic IP, certificate, setup.
    expect(moved.length).toBeGreaterThanOrEqual(15);
    for (const t of ["aws:ec2/instance:Instance", "aws:ebs/volume:Volume", "command:remote:Command"]) {
      expect(moved.map((r) => r.type)).toContain(t);
    }
    const unreachable = under
      .map((r) => ({ r, flat: engineUrn(r.type, r.name, app.urn) }))
      .filter(({ r, flat }) => r.urn !== flat && !r.aliases.some((a) => aliasUrn(r, a) === flat))
      .map(
        ({ r, flat }) =>
          `${r.type} ${r.name}: ${r.urn}, aliases [${r.aliases.map((a) => aliasUrn(r, a))}], not ${flat}`,
      );
    expect(unreachable).toEqual([]);
    // And they did move: without the aliases every one of them would be replaced.
    expect(moved.filter((r) => r.urn === engineUrn(r.type, r.name, app.urn)).map((r) => r.name)).toEqual([]);
  });

  it("no alias names a URN another resource of the stack holds now (the engine refuses a shared URN)", () => {
    const current = new Set(regs.map((r) => r.urn));
    const clashes = regs.flatMap((r) =>
      r.aliases.map((a) => aliasUrn(r, a)).filter((u) => u !== r.urn && current.has(u)),
    );
    expect(clashes).toEqual([]);
  });
});
