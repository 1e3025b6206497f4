/**
 * `npm run bench`: instrumentation overhead (contest with A/A control), the peer comparison, scrape cost and
 * the instrumentation's share of CPU from a profile, in one run (≈ 5 minutes), each with its defaults; run a
 * figure alone (`npm run bench:overhead -- --pairs 6`, …) to change them. Time to detect takes minutes at
 * production intervals and runs on its own: `npm run bench:ttd`.
 */
import { readFileSync } from "node:fs";
import { runOverhead, OVERHEAD_DEFAULTS } from "./overhead";
import { reportPeer, toCompareOptions, PEER_DEFAULTS } from "./peer";
import { runProfile, PROFILE_DEFAULTS } from "./profile";
import { runScrape } from "./scrape";
import { compare, machine, runMain, startExpressPeer, startTaskflow, SUMMARY } from "./lib/common";

runMain(module, async () => {
  if (process.argv.length > 2) throw new Error("npm run bench takes no flags; pass them to one figure's script");
  const started = Date.now();
  console.log(`machine: ${JSON.stringify(machine())}`);
  await runOverhead(OVERHEAD_DEFAULTS);
  const ours = await startTaskflow("on");
  try {
    const peer = await startExpressPeer();
    try {
      reportPeer(await compare([ours, peer], toCompareOptions(PEER_DEFAULTS)), ours, peer);
    } finally {
      await peer.stop();
    }
    await runScrape(ours);
  } finally {
    await ours.stop();
  }
  await runProfile(PROFILE_DEFAULTS);
  console.log(`\nsummary (${SUMMARY}):\n${readFileSync(SUMMARY, "utf8")}`);
  console.log(`bench finished in ${Math.round((Date.now() - started) / 1000)} s`);
});
