/**
 * Child process for one mock-level run (the Pulumi runtime is process-global, so each run gets a fresh process):
 *   node --import tsx scripts/lib/plan/capture-main.ts <request.json> <snapshot.json>
 * The request is a CaptureRequest; the snapshot is written as JSON.
 */
import { childMain } from "../child-run";
import { capture } from "./capture";

childMain(capture);
