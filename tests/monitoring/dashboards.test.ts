import { describe, expect, it } from "vitest";
import { DATASOURCE_UIDS, DATASOURCE_VARIABLE, renderBundle } from "../../monitoring-config";
import { profile } from "./profiles";

interface Panel {
  type: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { expr?: string; datasource?: { uid?: string }; namespace?: string }[];
}

const COUNTER = /\b[a-zA-Z_:][a-zA-Z0-9_:]*(_total|_count|_sum|_bucket)\b/g;

/** Dashboard rules from the design: title, description, unit, datasource by uid; counters only inside rate/increase with $__rate_interval. */
export function lintPanel(p: Panel): string[] {
  const problems: string[] = [];
  const name = p.title ?? "<untitled>";
  if (!p.title) problems.push(`${name}: no title`);
  if (!p.description) problems.push(`${name}: no description`);
  if (!p.fieldConfig?.defaults?.unit) problems.push(`${name}: no unit`);
  // A provisioned uid, or the dashboard's `$datasource` variable (any Prometheus: the host's or the workspace).
  const uids = [...Object.values(DATASOURCE_UIDS), DATASOURCE_VARIABLE];
  if (!p.datasource?.uid || !uids.includes(p.datasource.uid))
    problems.push(`${name}: datasource not referenced by a known uid`);
  for (const t of p.targets ?? []) {
    if (!t.datasource?.uid) problems.push(`${name}: a target has no datasource uid`);
    if (!t.expr) continue;
    for (const m of t.expr.matchAll(COUNTER)) {
      const before = t.expr.slice(0, m.index);
      const after = t.expr.slice((m.index ?? 0) + m[0].length);
      const wrapped = /(rate|increase)\($/.test(before.replace(/\s+$/, "")) || /(rate|increase)\(\s*$/.test(before);
      if (!wrapped) problems.push(`${name}: counter ${m[0]} outside rate()/increase()`);
      else if (!/^\{[^}]*\}\[\$__rate_interval\]|^\[\$__rate_interval\]/.test(after)) {
        problems.push(`${name}: ${m[0]} not over [$__rate_interval]`);
      }
    }
  }
  return problems;
}

function dashboards(stack: "local" | "prod") {
  const b = renderBundle(profile(stack, { grafana: { adminPassword: "prod-admin-password-1" } }));
  return Object.entries(b)
    .filter(([p]) => p.startsWith("grafana/dashboards/"))
    .map(([p, c]) => ({ path: p, json: JSON.parse(c) as { uid: string; title: string; panels: Panel[] } }));
}

describe("Grafana dashboards as code", () => {
  for (const stack of ["local", "prod"] as const) {
    it(`${stack}: every panel has a title, description, unit and datasource uid; counters only in rate/increase`, () => {
      const all = dashboards(stack);
      expect(all.map((d) => d.json.uid).sort()).toEqual([
        "taskflow-alerts",
        "taskflow-host",
        "taskflow-security",
        "taskflow-service",
      ]);
      for (const d of all) {
        expect(d.json.panels.length, d.path).toBeGreaterThan(2);
        expect(d.json.panels.flatMap(lintPanel), d.path).toEqual([]);
      }
    });
  }

  it("every dashboard: a $datasource variable and links to the others; service, security and host: $job and $instance, used by every query", () => {
    type Var = {
      name: string;
      type: string;
      query?: unknown;
      includeAll?: boolean;
      allValue?: string;
      multi?: boolean;
    };
    for (const { path, json } of dashboards("prod")) {
      const d = json as unknown as {
        templating: { list: Var[] };
        links: { type: string; tags: string[]; includeVars: boolean; keepTime: boolean }[];
        panels: Panel[];
      };
      const vars = Object.fromEntries(d.templating.list.map((v) => [v.name, v]));
      expect(vars.datasource, path).toMatchObject({ type: "datasource", query: "prometheus" });
      expect(d.links, path).toEqual([
        expect.objectContaining({ type: "dashboards", tags: ["taskflow"], includeVars: true, keepTime: true }),
      ]);
      if (path.endsWith("alerts.json")) continue;
      for (const name of ["job", "instance"]) {
        expect(vars[name], `${path} $${name}`).toMatchObject({
          type: "query",
          includeAll: true,
          allValue: ".*",
          multi: true,
        });
      }
      expect(String(vars.instance.query)).toMatch(/job=~"\$job"/);
      const exprs = d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).filter((e): e is string => !!e);
      expect(exprs.length, path).toBeGreaterThan(2);
      // Recording rules (slo:*) carry the job alone; every other query narrows by both.
      for (const e of exprs)
        expect(e, `${path}: ${e}`).toMatch(/^(?=.*job=~"\$job")(?=.*(instance=~"\$instance"|slo:))/s);
    }
  });

  it("the service dashboard breaks the RED signals down by instance", () => {
    const service = dashboards("prod").find((d) => d.path.endsWith("service.json"))!;
    const byInstance = service.json.panels.filter((p) => /by instance$/.test(p.title ?? ""));
    expect(byInstance.map((p) => p.title)).toEqual([
      "Request rate by instance",
      "Error ratio (5xx) by instance",
      "Latency p95 by instance",
    ]);
    for (const p of byInstance) expect(p.targets![0].expr).toMatch(/by \(instance(, le)?\)/);
  });

  it("the linter catches a bare counter, a fixed window, a missing unit and a datasource by name", () => {
    const bad: Panel = {
      type: "timeseries",
      title: "bad",
      description: "d",
      datasource: { type: "prometheus", uid: "Prometheus-by-name" },
      fieldConfig: { defaults: {} },
      targets: [
        { expr: "sum(http_requests_total)", datasource: { uid: "prometheus" } },
        { expr: "rate(http_requests_total[5m])", datasource: { uid: "prometheus" } },
      ],
    };
    const problems = lintPanel(bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/no unit/),
        expect.stringMatching(/datasource not referenced/),
        expect.stringMatching(/outside rate/),
        expect.stringMatching(/not over \[\$__rate_interval\]/),
      ]),
    );
  });

  it("AWS stacks add the CloudWatch CIS and GuardDuty panels; local does not", () => {
    const sec = (s: "local" | "prod") => dashboards(s).find((d) => d.json.uid === "taskflow-security")!.json;
    const cw = (s: "local" | "prod") => sec(s).panels.filter((p) => p.datasource?.uid === "cloudwatch");
    expect(cw("local")).toHaveLength(0);
    expect(cw("prod").map((p) => p.title)).toEqual(
      expect.arrayContaining([expect.stringMatching(/CIS/), expect.stringMatching(/GuardDuty/)]),
    );
    const cis = cw("prod").find((p) => /CIS/.test(p.title ?? ""));
    expect(cis?.targets).toHaveLength(15);
  });

  it("Grafana: anonymous access off and the admin password from settings", () => {
    const b = renderBundle(profile("prod", { grafana: { adminPassword: "prod-admin-password-1" } }));
    expect(b["grafana/grafana.ini"]).toMatch(/\[auth.anonymous\]\nenabled = false/);
    // The password itself is in a secrets file the ini points at (Grafana's $__file{} expansion).
    expect(b["grafana/grafana.ini"]).toContain("admin_password = $__file{/etc/grafana/secrets/admin-password}");
    expect(b["grafana/secrets/admin-password"]).toBe("prod-admin-password-1");
    expect(b["grafana/grafana.ini"]).not.toContain("prod-admin-password-1");
    expect(b["grafana/provisioning/datasources/datasources.yml"]).toMatch(/uid: prometheus[\s\S]*uid: alertmanager/);
  });
});
