/**
 * Child process for one mock-level capture of the fleet's user data (fleet-capture.ts):
 *   node --import tsx testkit/rehearsal/fleet-capture-main.ts <request.json> <capture.json>
 */
import { childMain } from "../../scripts/lib/child-run";
import { captureFleetUserData } from "./fleet-capture";

childMain(captureFleetUserData);
