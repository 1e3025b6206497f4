/** The repository root, for every tool and test that reaches files by path (one definition). */
import { resolve } from "node:path";

export const REPO_ROOT = resolve(__dirname, "..", "..");
