/**
 * Peer comparison: TaskFlow (metrics on, as shipped) vs the Express 5 + express-prom-bundle + better-sqlite3
 * implementation in bench/peers/, same routes and load, alternating rounds. Goal: ours ≥ 1.5 × peer.
 *
 *   npm run bench:peer [-- --rounds 5 --seconds 6 --warmup 3 --connections 50]
 */
import { DEFAULTS, toCompareOptions } from "./overhead";
import {
  compare,
  numericFlags,
  reportRatio,
  runMain,
  startExpressPeer,
  startTaskflow,
  type Comparison,
  type Target,
} from "./lib/common";

export const reportPeer = (rows: Comparison[], ours: Target, peer: Target) =>
  reportRatio(
    {
      name: "peer",
      key: "peer_ratio",
      title: "Peer (TaskFlow with metrics / Express 5 + express-prom-bundle)",
      goal: 1.5,
    },
    rows,
    ours,
    peer,
  );

runMain(module, async () => {
  const flags = numericFlags(process.argv.slice(2), DEFAULTS);
  const ours = await startTaskflow("on");
  const peer = await startExpressPeer();
  try {
    reportPeer(await compare([ours, peer], toCompareOptions(flags)), ours, peer);
  } finally {
    await Promise.all([ours.stop(), peer.stop()]);
  }
});
