import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Bundle } from "../../monitoring-config";

/** Write a bundle into `dir`, replacing what was there (files hold secrets: owner-only permissions). */
export function writeBundle(bundle: Bundle, dir: string): string[] {
  rmSync(dir, { recursive: true, force: true });
  const written: string[] = [];
  for (const [path, content] of Object.entries(bundle)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    writeFileSync(target, content, { mode: 0o600 });
    written.push(target);
  }
  return written;
}
