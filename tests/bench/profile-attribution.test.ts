/**
 * The CPU-profile attribution behind `npm run bench:profile`, on a hand-made profile whose answer is known:
 * which samples count as instrumentation, which as busy, and which are left out of the load window.
 */
import { describe, expect, it } from "vitest";
import { attribute } from "../../bench/profile";

const frame = (functionName: string, url = "") => ({ functionName, url });
const APP = "file:///repo/service/src/app.ts";
const PROM = "file:///repo/node_modules/prom-client/lib/histogram.js";
const FASTIFY = "file:///repo/node_modules/fastify/lib/hooks.js";

// root ─┬─ (idle)
//       ├─ (garbage collector)
//       └─ handler (app.ts) ─┬─ serialize (app.ts)
//                            └─ recordResponse (app.ts) ─┬─ observe (prom-client)
//                                                        └─ next (fastify) ── onSend (app.ts)
const nodes = [
  { id: 1, callFrame: frame("(root)"), children: [2, 3, 4] },
  { id: 2, callFrame: frame("(idle)") },
  { id: 3, callFrame: frame("(garbage collector)") },
  { id: 4, callFrame: frame("handler", APP), children: [5, 6] },
  { id: 5, callFrame: frame("serialize", APP) },
  { id: 6, callFrame: frame("recordResponse", APP), children: [7, 8] },
  { id: 7, callFrame: frame("", PROM) },
  { id: 8, callFrame: frame("next", FASTIFY), children: [9] },
  { id: 9, callFrame: frame("onSend", APP) },
];

/** One sample per entry, each 100 µs after the previous one, starting at t = 1000 µs. */
function profile(samples: number[]) {
  return { startTime: 1000, endTime: 1000 + 100 * samples.length, nodes, samples, timeDeltas: samples.map(() => 100) };
}

describe("bench/profile attribution (synthetic CPU profile)", () => {
  it("counts instrumentation frames and their callees, not Fastify's continuation, and leaves idle out", () => {
    // idle, gc, serialize, recordResponse (self), prom-client, fastify next, onSend under next
    const a = attribute(profile([2, 3, 5, 6, 7, 8, 9]));
    expect(a.busyUs).toBe(600);
    expect(a.instrumentationUs).toBe(200);
    expect(a.top.map(([where]) => where).sort()).toEqual(["(anonymous) histogram.js", "recordResponse app.ts"]);
  });

  it("counts only samples inside the load window", () => {
    // Samples at t = 1100, 1200, 1300, 1400: only the middle two are inside [1150, 1350].
    const a = attribute(profile([7, 7, 5, 7]), 1150, 1350);
    expect(a.busyUs).toBe(200);
    expect(a.instrumentationUs).toBe(100);
  });
});
