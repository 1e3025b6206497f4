/**
 * Child process for one mock-level capture of the remote steps (capture.ts):
 *   node --import tsx testkit/rehearsal/capture-main.ts <request.json> <capture.json>
 */
import { childMain } from "../../scripts/lib/child-run";
import { captureSteps } from "./capture";

childMain(captureSteps);
