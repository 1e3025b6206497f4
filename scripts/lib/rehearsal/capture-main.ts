/**
 * Child process for one mock-level capture of the remote steps (capture.ts):
 *   node --import tsx scripts/lib/rehearsal/capture-main.ts <request.json> <capture.json>
 */
import { childMain } from "../child-run";
import { captureSteps } from "./capture";

childMain(captureSteps);
