/**
 * The mixin's promise: alerts and dashboards read their selectors from one config, so the panel that shows an
 * alert's signal selects the same series, and every job an alert selects exists in the scrape configuration.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderBundle, SELECTORS, type Bundle } from "../../monitoring-config";
import { profile } from "./profiles";

const bundles: Record<string, Bundle> = {
  local: renderBundle(profile("local")),
  prod: renderBundle(profile("prod", { grafana: { adminPassword: "prod-admin-password-1" } })),
};

/** The label matchers of every `metric{…}` in a PromQL expression, each as `name op "value"`. */
function matchersOf(expr: string, metric: string): string[][] {
  return [...expr.matchAll(new RegExp(`\\b${metric}\\{([^}]*)\\}`, "g"))].map(([, inner]) =>
    [...inner.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)].map(([, n, op, v]) => `${n}${op}"${v}"`),
  );
}

const rules = (b: Bundle, file: string) =>
  (parse(b[`prometheus/rules/${file}`]) as { groups: { rules: { alert?: string; expr: string }[] }[] }).groups.flatMap(
    (g) => g.rules,
  );

describe("monitoring mixin: one config of selectors for alerts and dashboards", () => {
  for (const [name, b] of Object.entries(bundles)) {
    it(`${name}: the disk alerts and the Disk space panel select the same filesystems`, () => {
      const expected = matchersOf(`m{${SELECTORS.filesystem}}`, "m")[0];
      expect(expected.length).toBeGreaterThan(0);
      const disk = rules(b, "hosts.yml").filter((r) => /^HostDisk/.test(r.alert ?? ""));
      expect(disk.map((r) => r.alert).sort()).toEqual(["HostDiskAlmostFull", "HostDiskFillingUp"]);
      for (const r of disk) {
        for (const m of matchersOf(r.expr, "node_filesystem_avail_bytes")) expect(m, r.alert).toEqual(expected);
      }
      const host = JSON.parse(b["grafana/dashboards/host.json"]) as {
        panels: { title: string; targets: { expr: string }[] }[];
      };
      const panel = host.panels.find((p) => p.title === "Disk space used")!;
      const selected = panel.targets.flatMap((t) => matchersOf(t.expr, "node_filesystem_avail_bytes"));
      expect(selected.length).toBeGreaterThan(0);
      // The panel also narrows by the dashboard's $job and $instance variables.
      for (const m of selected) expect(m.filter((x) => !/^(job|instance)=~"\$/.test(x))).toEqual(expected);
    });

    it(`${name}: every job an alert selects on is a scrape job of prometheus.yml`, () => {
      const prom = parse(b["prometheus/prometheus.yml"]) as { scrape_configs: { job_name: string }[] };
      const jobs = prom.scrape_configs.map((c) => c.job_name);
      const all = Object.keys(b)
        .filter((p) => p.startsWith("prometheus/rules/"))
        .flatMap((p) => rules(b, p.slice("prometheus/rules/".length)));
      const selected = all.flatMap((r) => [...r.expr.matchAll(/\bjob\s*!?=\s*"([^"]*)"/g)].map(([, j]) => j));
      expect(selected).toEqual(expect.arrayContaining(["taskflow", "blackbox-http"]));
      for (const j of selected) expect(jobs, j).toContain(j);
    });
  }
});
