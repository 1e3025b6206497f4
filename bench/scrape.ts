/**
 * Scrape cost: GET /metrics time (p50/p99, measured by a client over loopback, so render + HTTP) after every
 * route/status combination has been served once, and the series count before/after 10 000 requests to
 * distinct unknown URLs. Goals: p50 ≤ 5 ms, p99 ≤ 10 ms, 0 new series.
 *
 *   npm run bench:scrape [-- --scrapes 1000 --unknown 10000]
 */
import autocannon from "autocannon";
import { performance } from "node:perf_hooks";
import * as bench from "./lib/common";
import type { Target } from "./lib/common";

export const SCRAPE_DEFAULTS = { scrapes: 1000, unknown: 10_000 };
const MISSING = "0b6e4a52-6a2b-4c7e-9d63-1f0e8d5c2a11";

/** The series in an exposition: `name{labels}` of every sample line. */
export function seriesOf(exposition: string): Set<string> {
  const out = new Set<string>();
  for (const line of exposition.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    out.add(line.slice(0, line.lastIndexOf(" ")));
  }
  return out;
}

/** Serve every route once with every status it can answer (except 429, which needs a low rate limit). */
async function warmEveryRoute(t: Target): Promise<string[]> {
  const auth = { authorization: `Bearer ${t.token}` };
  const json = { ...auth, "content-type": "application/json" };
  const calls: [string, string, Record<string, string>, string | undefined, number][] = [
    ["GET", "/", {}, undefined, 200],
    ["GET", "/health", {}, undefined, 200],
    ["POST", "/tasks", json, '{"title":"warm"}', 201],
    ["POST", "/tasks", json, '{"title":""}', 400],
    ["POST", "/tasks", {}, '{"title":"x"}', 401],
    ["POST", "/tasks", json, JSON.stringify({ title: "x".repeat(20_000) }), 413],
    ["POST", "/tasks", { ...auth, "content-type": "text/plain" }, "x", 415],
    ["GET", "/tasks", auth, undefined, 200],
    ["GET", "/tasks?limit=0", auth, undefined, 400],
    ["GET", "/tasks", {}, undefined, 401],
    ["GET", `/tasks/${t.taskId}`, auth, undefined, 200],
    ["GET", "/tasks/nope", auth, undefined, 400],
    ["GET", `/tasks/${MISSING}`, auth, undefined, 404],
    ["GET", `/tasks/${MISSING}`, {}, undefined, 401],
    ["PATCH", `/tasks/${t.taskId}`, json, '{"status":"done"}', 200],
    ["PATCH", `/tasks/${t.taskId}`, json, "{}", 400],
    ["PATCH", `/tasks/${MISSING}`, json, '{"status":"done"}', 404],
    ["DELETE", `/tasks/${MISSING}`, auth, undefined, 404],
    ["GET", "/no/such/page", {}, undefined, 404],
    ["POST", "/", json, "{}", 404],
  ];
  const seen: string[] = [];
  for (const [method, path, headers, body, want] of calls) {
    const r = await fetch(`${t.url}${path}`, { method, headers, body });
    await r.arrayBuffer();
    if (r.status !== want) throw new Error(`warm-up ${method} ${path}: expected ${want}, got ${r.status}`);
    seen.push(`${method} ${path.split("?")[0]} ${want}`);
  }
  const created = await fetch(`${t.url}/tasks`, { method: "POST", headers: json, body: '{"title":"to delete"}' });
  const { id } = (await created.json()) as { id: string };
  const del = await fetch(`${t.url}/tasks/${id}`, { method: "DELETE", headers: auth });
  if (del.status !== 204) throw new Error(`warm-up DELETE: expected 204, got ${del.status}`);
  return [...seen, "DELETE /tasks/:id 204"];
}

async function scrape(t: Target): Promise<string> {
  const r = await fetch(`${t.metricsUrl}/metrics`);
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
  return r.text();
}

export async function runScrape(t: Target, flags = SCRAPE_DEFAULTS) {
  const warmed = await warmEveryRoute(t);
  for (let i = 0; i < 50; i++) await scrape(t);
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < flags.scrapes; i++) {
    const start = performance.now();
    bytes = (await scrape(t)).length;
    times.push(performance.now() - start);
  }
  const before = seriesOf(await scrape(t));
  let n = 0;
  const unknown = await autocannon({
    url: t.url,
    connections: 20,
    amount: flags.unknown,
    requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: `/unknown/${n++}/${Date.now()}?q=${n}` }) }],
  });
  const after = seriesOf(await scrape(t));
  const added = [...after].filter((s) => !before.has(s));
  // prom-client's default Node metrics can add a series on their own (e.g. the first major GC of a kind);
  // the figure counts series in the families a request touches.
  const requestSeries = added.filter((s) => !/^(nodejs_|process_)/.test(s));
  const result = {
    metrics_render_p50_ms: bench.round3(bench.percentile(times, 50)),
    metrics_render_p99_ms: bench.round3(bench.percentile(times, 99)),
    scrapes: flags.scrapes,
    exposition_bytes: bytes,
    route_status_combinations_warmed: warmed.length,
    series_before: before.size,
    series_after: after.size,
    unknown_urls_sent: unknown.requests.total,
    unknown_urls_404: unknown["4xx"],
    unknown_url_new_series: requestSeries.length,
    new_series: added,
    goal: "p50 <= 5 ms, p99 <= 10 ms, 0 new series",
    met: bench.percentile(times, 50) <= 5 && bench.percentile(times, 99) <= 10 && requestSeries.length === 0,
  };
  bench.printTable("Scrape cost (GET /metrics over loopback)", [
    {
      "p50 ms": result.metrics_render_p50_ms,
      "p99 ms": result.metrics_render_p99_ms,
      bytes,
      "series before": before.size,
      "unknown URLs": result.unknown_urls_sent,
      "series after": after.size,
      "new request series": requestSeries.length,
    },
  ]);
  bench.printJson("scrape", result);
  bench.writeSummary(
    {
      metrics_render_p50_ms: result.metrics_render_p50_ms,
      metrics_render_p99_ms: result.metrics_render_p99_ms,
      unknown_url_new_series: result.unknown_url_new_series,
    },
    "scrape",
    result,
  );
  return result;
}

bench.runMain(module, async () => {
  const flags = bench.numericFlags(process.argv.slice(2), SCRAPE_DEFAULTS);
  const t = await bench.startTaskflow("on");
  try {
    await runScrape(t, flags);
  } finally {
    await t.stop();
  }
});
