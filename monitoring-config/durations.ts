/** Prometheus durations ("30s", "5m", "1h30m"): the form the renderers accept and their length in seconds. */

/** A Prometheus duration: one or more <integer><unit> parts. */
export const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** Seconds in a Prometheus duration such as "1h30m". */
export function durationSeconds(d: string): number {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * UNIT_SECONDS[unit];
  return total;
}
