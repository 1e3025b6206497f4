/**
 * `npm run bench`: overhead, peer, scrape cost and the instrumentation's CPU share in one run (≈ 5 minutes).
 * The three servers run side by side and every round alternates between them, so the two ratios share the
 * same machine conditions.
 * Time to detect takes minutes at production intervals and runs on its own: `npm run bench:ttd`.
 *
 *   npm run bench [-- --rounds 5 --seconds 6 --warmup 3 --connections 50]
 */
import { DEFAULTS, reportOverhead, toCompareOptions } from "./overhead";
import { reportPeer } from "./peer";
import { runProfile, PROFILE_DEFAULTS } from "./profile";
import { runScrape } from "./scrape";
import { compare, machine, numericFlags, runMain, startExpressPeer, startTaskflow, SUMMARY } from "./lib/common";
import { readFileSync } from "node:fs";

runMain(module, async () => {
  const flags = numericFlags(process.argv.slice(2), DEFAULTS);
  const started = Date.now();
  console.log(`machine: ${JSON.stringify(machine())}`);
  const on = await startTaskflow("on");
  const off = await startTaskflow("off");
  const peer = await startExpressPeer();
  try {
    const rows = await compare([on, off, peer], toCompareOptions(flags));
    reportOverhead(rows, on, off);
    reportPeer(rows, on, peer);
  } finally {
    await Promise.all([off.stop(), peer.stop()]);
  }
  try {
    await runScrape(on);
  } finally {
    await on.stop();
  }
  await runProfile(PROFILE_DEFAULTS);
  console.log(`\nsummary (${SUMMARY}):\n${readFileSync(SUMMARY, "utf8")}`);
  console.log(`bench finished in ${Math.round((Date.now() - started) / 1000)} s`);
});
