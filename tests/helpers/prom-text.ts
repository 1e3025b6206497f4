/** Minimal reader of the Prometheus text exposition format, for assertions on /metrics. */
export interface ParsedMetrics {
  /** metric family name → type (counter, gauge, histogram, summary, untyped) */
  types: Map<string, string>;
  /** series key (name{sorted labels}) → value */
  series: Map<string, number>;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): ParsedMetrics {
  const types = new Map<string, string>();
  const series = new Map<string, number>();
  const samples: ParsedMetrics["samples"] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("# TYPE ")) {
      const [, , name, type] = line.split(" ");
      types.set(name, type);
      continue;
    }
    if (!line || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`unparseable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(LABEL)) labels[l[1]] = l[2];
    const value = Number(m[3]);
    samples.push({ name: m[1], labels, value });
    const key = `${m[1]}{${Object.keys(labels)
      .sort()
      .map((k) => `${k}="${labels[k]}"`)
      .join(",")}}`;
    series.set(key, value);
  }
  return { types, series, samples };
}

/** Sum of the samples of `name` whose labels include `match`. */
export function sample(m: ParsedMetrics, name: string, match: Record<string, string>): number {
  return m.samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}
