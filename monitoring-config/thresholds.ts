/**
 * Alert thresholds, the SLO and Alertmanager's clocks for real (local and AWS) stacks, each with the reason for
 * its value. The test profile only shortens the clocks (profiles.ts); the levels stay these.
 */
import type { AlertmanagerTimings, AlertThresholds, BurnWindow, SloSettings } from "./types";

/** A multi-window burn-rate condition: both windows burn faster than `factor` × the budget rate. */
export const burn = (long: string, short: string, factor: number): BurnWindow => ({ long, short, factor });

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  // rate() over 5m spans ≥ 20 samples at a 15s scrape: smooth enough to alert on, short enough to react.
  rateWindow: "5m",
  // Four missed scrapes (15s) before paging: one slow scrape or a restart must not page.
  serviceDownFor: "1m",
  // No TaskFlow target at all (discovery found none): ServiceDown cannot fire without one. Longer than a host
  // replacement's gap in discovery (the EC2 refresh interval is 1 min), short enough to page the same hour.
  serviceTargetMissingFor: "10m",
  // 5 % of requests failing for 5 minutes burns a 99.9 % budget fifty times too fast: a real outage, not noise.
  errorRatio: 0.05,
  errorRateFor: "5m",
  // p95 above 500 ms is what users of a JSON API notice; 10 minutes keeps one slow batch from paging.
  latencyP95Seconds: 0.5,
  latencyFor: "10m",
  // A handful of statements ≥ SLOW_QUERY_MS in a window is a trend (disk or lock contention), one is not.
  slowQueriesPerWindow: 5,
  slowQueriesFor: "5m",
  // One failed bearer token a second, sustained, is a script guessing or a client shipped a wrong token.
  authFailuresPerSecond: 1,
  authFailuresFor: "5m",
  // Any steady rate limiting means a client is being refused service: worth a ticket, not a page.
  rateLimitedPerSecond: 0.1,
  rateLimitedFor: "5m",
  // The external probe is the users' view: two minutes of failures rules out one lost packet.
  probeFailedFor: "2m",
  // Two weeks leaves time to renew a certificate by hand if automation failed.
  tlsExpiryDays: 14,
  tlsExpiryFor: "1h",
  // Host resources (as the node-mixin does): sustained saturation, not spikes.
  cpuRatio: 0.8,
  cpuFor: "10m",
  memoryRatio: 0.9,
  memoryFor: "15m",
  // Predict a full disk a day ahead (linear fit over 6h), so it is fixed in working hours.
  diskFillHours: 24,
  diskFillFor: "1h",
  // Less than 10 % free is the last warning before writes fail.
  diskAlmostFullRatio: 0.1,
  diskAlmostFullFor: "5m",
  // 50 ms of clock skew breaks TLS and log ordering long before it breaks anything else.
  clockSkewSeconds: 0.05,
  clockSkewFor: "10m",
  // A scrape target gone for 5 minutes: longer than a deploy's restart.
  targetDownFor: "5m",
  // The monitoring stack's own health (rule evaluation, notifications, config reloads).
  metaFor: "5m",
  // The prometheus-mixin's threshold: two minutes of lag is past any healthy batching and backoff.
  remoteWriteBehindSeconds: 120,
};

export const DEFAULT_SLO: SloSettings = {
  objective: 0.999,
  period: "30d",
  // The multi-window, multi-burn-rate pairs of the Google SRE workbook (chapter "Alerting on SLOs").
  page: [burn("1h", "5m", 14.4), burn("6h", "30m", 6)],
  ticket: [burn("1d", "2h", 3), burn("3d", "6h", 1)],
  // No `for:` on the burn alerts: both windows of a pair must burn, which already filters blips (a 2-minute spike
  // cannot lift a 1 h ratio past 14.4× of the budget), and a `for` would only delay the page.
};

export const DEFAULT_ALERTMANAGER: AlertmanagerTimings = {
  // Wait for related alerts to arrive together, but a page goes out after 10 s.
  groupWait: "30s",
  groupInterval: "5m",
  repeatInterval: "4h",
  pageGroupWait: "10s",
  // The Watchdog heartbeat repeats every minute so its absence is noticed within minutes.
  heartbeatRepeatInterval: "1m",
};

/**
 * HostDiskFillingUp's linear fit (fixed, as in the node-mixin): over the last 6 h of free space, and only on a
 * filesystem already less than 40 % free, so a young, mostly empty volume that grows fast does not ticket.
 */
export const DISK_FILL_FIT = { hours: 6, belowFreeRatio: 0.4 } as const;
