/**
 * Peer comparison: TaskFlow (metrics on, as shipped) vs the Express 5 + express-prom-bundle + better-sqlite3
 * implementation in bench/peers/, same routes and load, alternating rounds. Goal: ours ≥ 1.5 × peer.
 *
 *   npm run bench:peer [-- --rounds 4 --seconds 6 --warmup 3 --connections 50]
 */
import {
  compare,
  numericFlags,
  reportRatio,
  runMain,
  startExpressPeer,
  startTaskflow,
  type CompareOptions,
  type Comparison,
  type Target,
} from "./lib/common";

export const PEER_DEFAULTS = { rounds: 4, seconds: 6, warmup: 3, connections: 50 };

export const toCompareOptions = (f: typeof PEER_DEFAULTS): CompareOptions => ({
  rounds: f.rounds,
  seconds: f.seconds,
  warmupSeconds: f.warmup,
  connections: f.connections,
});

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
  const flags = numericFlags(process.argv.slice(2), PEER_DEFAULTS);
  const ours = await startTaskflow("on");
  const peer = await startExpressPeer();
  try {
    reportPeer(await compare([ours, peer], toCompareOptions(flags)), ours, peer);
  } finally {
    await Promise.all([ours.stop(), peer.stop()]);
  }
});
