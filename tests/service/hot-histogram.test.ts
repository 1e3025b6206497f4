/**
 * HotHistogram, the hand-written exposition of the per-request histograms: exact values for known
 * observations, bucket boundaries (le is "less than or equal"), label escaping, bad definitions refused, and
 * the whole /metrics page read by the real `promtool check metrics`.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureBinaries } from "../../scripts/lib/binaries";
import { buildApp } from "../../service/src/app";
import { HotHistogram } from "../../service/src/hot-histogram";
import { tempDir } from "../../testkit/service-process";
import { parseMetrics, sample } from "../helpers/prom-text";

const BUCKETS = [0.005, 0.25, 10];

const requests = () =>
  new HotHistogram("http_request_duration_seconds", "Request time.", ["method", "route", "status_code"], BUCKETS, {
    name: "http_requests_total",
    help: "Requests.",
  });

describe("HotHistogram exposition", () => {
  it("writes cumulative buckets, +Inf, sum and count per series, and the counter from the same count", () => {
    const m = requests();
    const get200 = m.seriesFor(["GET", "/tasks/:id", "200"]);
    for (const v of [0.003, 0.2, 20]) get200.observe(v);
    m.seriesFor(["POST", "/tasks", "201"]).observe(0.25); // exactly on a bound: counted in le="0.25"
    expect(m.seriesFor(["GET", "/tasks/:id", "200"])).toBe(get200);
    const p = parseMetrics(m.render());
    expect(p.types.get("http_requests_total")).toBe("counter");
    expect(p.types.get("http_request_duration_seconds")).toBe("histogram");
    const get = { method: "GET", route: "/tasks/:id", status_code: "200" };
    const bucket = (labels: Record<string, string>, le: string) =>
      sample(p, "http_request_duration_seconds_bucket", { ...labels, le });
    expect(["0.005", "0.25", "10", "+Inf"].map((le) => bucket(get, le))).toEqual([1, 2, 2, 3]);
    expect(sample(p, "http_request_duration_seconds_sum", get)).toBeCloseTo(20.203, 9);
    expect(sample(p, "http_request_duration_seconds_count", get)).toBe(3);
    expect(sample(p, "http_requests_total", get)).toBe(3);
    const post = { method: "POST", route: "/tasks", status_code: "201" };
    expect(["0.005", "0.25", "10", "+Inf"].map((le) => bucket(post, le))).toEqual([0, 1, 1, 1]);
    expect(sample(p, "http_requests_total", post)).toBe(1);
  });

  // Byte for byte, as the first (array-joining) render wrote it: the precomputed line prefixes change nothing.
  it("renders exactly the text it always has: counter, series in creation order, empty and label-less histograms", () => {
    const m = requests();
    const get200 = m.seriesFor(["GET", "/tasks/:id", "200"]);
    for (const v of [0.003, 0.2, 20]) get200.observe(v);
    m.seriesFor(["POST", "/tasks", "201"]).observe(0.25);
    const empty = new HotHistogram("empty_seconds", "Nothing yet.", ["op"], [1]);
    const job = new HotHistogram("job_seconds", "Job time.", [], [1]);
    job.seriesFor([]).observe(0.5);
    const get = 'method="GET",route="/tasks/:id",status_code="200"';
    const post = 'method="POST",route="/tasks",status_code="201"';
    expect(m.render() + empty.render() + job.render()).toBe(
      [
        "# HELP http_requests_total Requests.",
        "# TYPE http_requests_total counter",
        `http_requests_total{${get}} 3`,
        `http_requests_total{${post}} 1`,
        "# HELP http_request_duration_seconds Request time.",
        "# TYPE http_request_duration_seconds histogram",
        `http_request_duration_seconds_bucket{${get},le="0.005"} 1`,
        `http_request_duration_seconds_bucket{${get},le="0.25"} 2`,
        `http_request_duration_seconds_bucket{${get},le="10"} 2`,
        `http_request_duration_seconds_bucket{${get},le="+Inf"} 3`,
        `http_request_duration_seconds_sum{${get}} 20.203`,
        `http_request_duration_seconds_count{${get}} 3`,
        `http_request_duration_seconds_bucket{${post},le="0.005"} 0`,
        `http_request_duration_seconds_bucket{${post},le="0.25"} 1`,
        `http_request_duration_seconds_bucket{${post},le="10"} 1`,
        `http_request_duration_seconds_bucket{${post},le="+Inf"} 1`,
        `http_request_duration_seconds_sum{${post}} 0.25`,
        `http_request_duration_seconds_count{${post}} 1`,
        "# HELP empty_seconds Nothing yet.",
        "# TYPE empty_seconds histogram",
        "# HELP job_seconds Job time.",
        "# TYPE job_seconds histogram",
        'job_seconds_bucket{le="1"} 1',
        'job_seconds_bucket{le="+Inf"} 1',
        "job_seconds_sum 0.5",
        "job_seconds_count 1",
        "",
      ].join("\n"),
    );
  });

  it("escapes backslash, double quote and line feed in label values", () => {
    const m = requests();
    m.seriesFor(["GET", 'a\\b"c\nd', "200"]).observe(0.001);
    expect(m.render()).toContain('http_requests_total{method="GET",route="a\\\\b\\"c\\nd",status_code="200"} 1');
  });

  it("writes a histogram without labels", () => {
    const m = new HotHistogram("job_seconds", "Job time.", [], BUCKETS);
    m.seriesFor([]).observe(1);
    expect(m.render()).toContain('job_seconds_bucket{le="10"} 1\njob_seconds_bucket{le="+Inf"} 1\njob_seconds_sum 1\n');
  });

  it("refuses bad definitions and wrong label counts, naming what is wrong", () => {
    expect(() => new HotHistogram("h", "h", [], [0.1, 0.1])).toThrow(/strictly increasing/);
    expect(() => new HotHistogram("h", "h", [], [])).toThrow(/strictly increasing/);
    expect(() => new HotHistogram("bad-name", "h", [], BUCKETS)).toThrow(/invalid metric name "bad-name"/);
    expect(() => new HotHistogram("h", "h", ["le"], BUCKETS)).toThrow(/invalid label name "le"/);
    expect(() => requests().seriesFor(["GET"])).toThrow(/expected 3 label values, got 1/);
  });

  it("the whole /metrics page passes the real `promtool check metrics` (prom-client's own names aside)", async () => {
    const svc = await buildApp({
      apiToken: "test-token-0123456789abcdef",
      dbPath: join(tempDir(), "t.db"),
      rateLimitPerMinute: 10_000,
      slowQueryMs: 100,
      faultInjection: false,
      metricsEnabled: true,
      logLevel: "silent",
    });
    try {
      await svc.app.inject({ method: "GET", url: "/" });
      await svc.app.inject({ method: "GET", url: "/no/such/page" });
      const page = (await svc.metricsApp.inject({ method: "GET", url: "/metrics" })).body;
      const parsed = parseMetrics(page);
      expect(sample(parsed, "http_requests_total", { route: "unmatched", status_code: "404" })).toBe(1);
      expect(sample(parsed, "taskflow_db_query_duration_seconds_count", { operation: "count" })).toBe(1);
      const r = spawnSync(ensureBinaries().promtool, ["check", "metrics"], { input: page, encoding: "utf8" });
      // Exit 0 is clean, 3 is lint findings; a parse error (anything else) fails here with promtool's words.
      expect([0, 3], r.stderr + r.stdout).toContain(r.status);
      const findings = (r.stdout + r.stderr).split("\n").filter(Boolean);
      // prom-client's default nodejs_active_*_total gauges are the only findings allowed; none may be ours.
      expect(findings.filter((f) => !/^nodejs_active_\w+_total non-counter metrics/.test(f))).toEqual([]);
    } finally {
      await svc.close();
    }
  });
});
