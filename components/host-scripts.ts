import { readFileSync } from "node:fs";
import { join } from "node:path";

const DIR = join(__dirname, "host-scripts");
const SOURCE_LINE = "source /tmp/observed-app/common.sh";

/**
 * A host script ready to run over SSH: the shared functions of common.sh inlined where the script sources
 * them, so one self-contained command string reaches the host (and its hash changes when either file does).
 */
export function hostScript(name: string): string {
  const script = readFileSync(join(DIR, name), "utf8");
  const common = readFileSync(join(DIR, "common.sh"), "utf8").replace(/^#!.*\n/, "");
  if (!script.includes(SOURCE_LINE)) throw new Error(`${name} does not source common.sh`);
  return script.replace(SOURCE_LINE, common);
}

/** The SSH user of Amazon Linux 2023. */
export const SSH_USER = "ec2-user";
