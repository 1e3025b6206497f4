/**
 * Child process for one mock-level capture of the fleet's user data (fleet-capture.ts):
 *   node --import tsx scripts/lib/rehearsal/fleet-capture-main.ts <request.json> <capture.json>
 */
import { childMain } from "../child-run";
import { captureFleetUserData } from "./fleet-capture";

childMain(captureFleetUserData);
