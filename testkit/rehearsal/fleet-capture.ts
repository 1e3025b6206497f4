/**
 * The fleet's launch template user data as the program registers it (mock-level capture: prod's program runs
 * under Pulumi mocks in a child process). The rehearsal runs this text itself, with only the values that name AWS
 * resources (image digests in ECR, the RDS address, the ports) pointed at their local stand-ins.
 */
import { join } from "node:path";
import { runJsonInChild } from "../../scripts/lib/child-run";
import { runStack } from "../../scripts/lib/program-mocks";
import type { Environment } from "../../components/config";

export interface FleetCaptureRequest {
  stack: Environment;
  apiToken: string;
}

export interface FleetCapture {
  /** The decoded user data (cloud-init runs it once at first boot). */
  userData: string;
}

/** Run the program under mocks (in this process: call it from a child) with the fleet tier, and read its user data. */
export async function captureFleetUserData(req: FleetCaptureRequest): Promise<FleetCapture> {
  const run = await runStack(req.stack, { apiToken: req.apiToken, appTier: "fleet" });
  const template = run.one("aws:ec2/launchTemplate:LaunchTemplate");
  return { userData: Buffer.from(String(template.inputs.userData), "base64").toString("utf8") };
}

const MAIN = join(__dirname, "fleet-capture-main.ts");

/** captureFleetUserData in a fresh process (one program run per process). */
export function captureFleetUserDataInChild(req: FleetCaptureRequest): Promise<FleetCapture> {
  return runJsonInChild<FleetCaptureRequest, FleetCapture>(MAIN, req, `mock run of ${req.stack} (fleet user data)`);
}

/** The user data with some of its `export NAME='value'` settings replaced (the rest, and the script, as they are). */
export function withSettings(userData: string, settings: Record<string, string>): string {
  let out = userData;
  for (const [name, value] of Object.entries(settings)) {
    const line = new RegExp(`^export ${name}='[^']*'$`, "m");
    if (!line.test(out)) throw new Error(`the user data sets no ${name}`);
    out = out.replace(line, `export ${name}='${value}'`);
  }
  return out;
}

/** A setting's value in the user data. */
export function setting(userData: string, name: string): string {
  const m = new RegExp(`^export ${name}='([^']*)'$`, "m").exec(userData);
  if (!m) throw new Error(`the user data sets no ${name}`);
  return m[1];
}
