/**
 * Histograms for the per-request hot path, kept as plain numbers and written in the Prometheus text format
 * when scraped: `http_request_duration_seconds` (and `http_requests_total`, its count) and
 * `taskflow_db_query_duration_seconds`.
 *
 * Why not prom-client for these: its Histogram#observe validates the labels, hashes them into a string and
 * allocates on every call. Under load a CPU profile put most of the instrumentation's cost there (≈ 2.5 µs
 * per observation; README, Performance). Here the caller keeps the series it observes (found through maps
 * on strings it already holds), and an observation is a bucket search and three additions. Every other
 * metric stays in prom-client's registry; the texts are joined on /metrics, and the real
 * `promtool check metrics` reads the result in the test suite.
 */

/** Label value escaping of the text format: backslash, double quote and line feed. */
export const escapeLabelValue = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** One label set of a histogram: counts per bucket (not cumulative), sum and count. */
export class HistogramSeries {
  readonly buckets: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labelText: string,
  ) {
    this.buckets = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]) i++;
    if (i < b.length) this.buckets[i]++;
    this.sum += value;
    this.count++;
  }
}

export class HotHistogram {
  private readonly series: HistogramSeries[] = [];
  /** The sample lines' fixed parts, in the order of `series`. */
  private readonly lines: SeriesLines[] = [];
  private readonly bySignature = new Map<string, HistogramSeries>();
  private readonly boundText: string[];

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
    /** Also expose each series' count as this counter (e.g. http_requests_total), with the same labels. */
    private readonly counter?: { name: string; help: string },
  ) {
    for (const n of [name, counter?.name].filter((x) => x !== undefined)) {
      if (!METRIC_NAME.test(n)) throw new Error(`invalid metric name "${n}"`);
    }
    const badLabel = labelNames.find((l) => !LABEL_NAME.test(l) || l === "le");
    if (badLabel !== undefined) throw new Error(`invalid label name "${badLabel}" for ${name}`);
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]))) {
      throw new Error(`${name}: buckets must be finite and strictly increasing, got [${bounds.join(", ")}]`);
    }
    this.boundText = bounds.map(String);
  }

  /** The series for these label values, created on first use. Callers keep it: this lookup is not hot. */
  seriesFor(values: readonly string[]): HistogramSeries {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
    }
    const signature = JSON.stringify(values);
    let s = this.bySignature.get(signature);
    if (!s) {
      const labelText = this.labelNames.map((n, i) => `${n}="${escapeLabelValue(values[i])}"`).join(",");
      s = new HistogramSeries(this.bounds, labelText);
      this.bySignature.set(signature, s);
      this.series.push(s);
      this.lines.push(this.linesFor(labelText));
    }
    return s;
  }

  /** The histogram (and its counter) in the Prometheus text format (version 0.0.4), ending with a line feed. */
  render(): string {
    // Every sample line's name and labels were written once, when its series was created (SeriesLines): a
    // scrape only appends numbers, so /metrics allocates little beyond its own output.
    let out = "";
    if (this.counter) {
      out += `# HELP ${this.counter.name} ${escapeHelp(this.counter.help)}\n# TYPE ${this.counter.name} counter\n`;
      for (let i = 0; i < this.series.length; i++) out += this.lines[i].counter + this.series[i].count + "\n";
    }
    out += `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} histogram\n`;
    for (let i = 0; i < this.series.length; i++) {
      const s = this.series[i];
      const l = this.lines[i];
      let cumulative = 0;
      for (let b = 0; b < s.buckets.length; b++) {
        cumulative += s.buckets[b];
        out += l.buckets[b] + cumulative + "\n";
      }
      out += l.inf + s.count + "\n" + l.sum + s.sum + "\n" + l.count + s.count + "\n";
    }
    return out;
  }

  /** The fixed part of each of a series' sample lines: name, braces and labels, and the space before the value. */
  private linesFor(labelText: string): SeriesLines {
    /** `{a="1",le="0.5"}`, `{a="1"}`, `{le="0.5"}` or nothing, from the series' labels and an extra one. */
    const braces = (extra = "") => {
      const all = [labelText, extra].filter(Boolean).join(",");
      return all ? `{${all}}` : "";
    };
    return {
      counter: this.counter ? `${this.counter.name}${braces()} ` : "",
      buckets: this.boundText.map((le) => `${this.name}_bucket${braces(`le="${le}"`)} `),
      inf: `${this.name}_bucket${braces('le="+Inf"')} `,
      sum: `${this.name}_sum${braces()} `,
      count: `${this.name}_count${braces()} `,
    };
  }
}

interface SeriesLines {
  counter: string;
  buckets: string[];
  inf: string;
  sum: string;
  count: string;
}
