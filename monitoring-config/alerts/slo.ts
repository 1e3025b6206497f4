/**
 * The availability SLO (group `taskflow-slo`): the SLI error ratio recorded over every burn window and the SLO
 * period, the remaining error budget, and the multi-window, multi-burn-rate page and ticket alerts.
 */
import { durationSeconds } from "../durations";
import { SELECTORS, type MixinConfig } from "../mixin";
import type { BurnWindow, MonitoringSettings } from "../types";
import { pct, type AlertFactory, type AlertRule, type RecordingRule } from "./rule";

/** `le` selector value for a ratio like 0.999 → budget 0.001 with float noise removed. */
export const errorBudget = (objective: number) => +(1 - objective).toFixed(10);

/** Recording-rule name of the SLI error ratio over a window. */
export const sloRatioRecord = (window: string) => `slo:sli_error:ratio_rate${window}`;

/** Recording-rule names of the requests and of the failed requests over a window (summed increases). */
export const sloCountRecord = (what: "requests" | "errors", window: string) => `slo:sli_${what}:increase${window}`;

/** Recording-rule name of the share of the error budget left over the SLO period (the Service dashboard shows it). */
export const BUDGET_REMAINING_RECORD = "slo:error_budget:remaining_ratio";

/** Every window the SLO rules record a ratio over: the burn windows and the SLO period. */
export function sloWindows(s: MonitoringSettings): string[] {
  const all = [...s.slo.page, ...s.slo.ticket].flatMap((w) => [w.long, w.short]);
  return [...new Set([...all, s.slo.period])];
}

/**
 * Recording rules of the SLI error ratio. Every burn window is a ratio of raw rates (0/0 when idle: no value, so
 * no burn alert, which is right). The SLO period (30 d by default) cannot read a month of raw series at each
 * evaluation, so it sums the shortest window's recorded increases of errors and of requests and divides the
 * sums: a quiet spell adds 0 to both and counts as no errors. (Averaging the short window's ratio instead made a
 * single idle 0/0 sample NaN for the whole period; the idle-gap promtool case in tests/monitoring pins this.)
 * Both sums count each request (window / evaluation interval) times, which cancels in the ratio.
 */
function sloRatioRules(c: MixinConfig): RecordingRule[] {
  const { slo, appMatcher: job } = c;
  const requests = c.metrics.httpRequests;
  const ratio = (win: string) =>
    `sum by (job) (rate(${requests}{${job},${SELECTORS.serverError}}[${win}])) / sum by (job) (rate(${requests}{${job}}[${win}]))`;
  // Errors fall back to 0 × requests, so a service that never failed has an error count of 0, not no series.
  const increase = (what: "requests" | "errors", win: string) => {
    const all = `sum by (job) (increase(${requests}{${job}}[${win}]))`;
    return what === "requests"
      ? all
      : `sum by (job) (increase(${requests}{${job},${SELECTORS.serverError}}[${win}])) or (0 * ${all})`;
  };
  const burn = [...new Set([...slo.page, ...slo.ticket].flatMap((w) => [w.long, w.short]))];
  const shortest = [...burn].sort((a, b) => durationSeconds(a) - durationSeconds(b))[0];
  const rules = burn.map((win) => ({ record: sloRatioRecord(win), expr: ratio(win) }));
  if (!burn.includes(slo.period)) {
    const summed = (what: "requests" | "errors") =>
      `sum_over_time(${sloCountRecord(what, shortest)}{${job}}[${slo.period}])`;
    rules.push(
      { record: sloCountRecord("requests", shortest), expr: increase("requests", shortest) },
      { record: sloCountRecord("errors", shortest), expr: increase("errors", shortest) },
      { record: sloRatioRecord(slo.period), expr: `${summed("errors")} / ${summed("requests")}` },
    );
  }
  return rules;
}

/** The SLO's recording rules, then its page and ticket burn-rate alerts. */
export function sloRules(c: MixinConfig, alert: AlertFactory): (RecordingRule | AlertRule)[] {
  const { slo, appMatcher: job } = c;
  const budget = errorBudget(slo.objective);
  const burn = (ws: BurnWindow[]) =>
    ws
      .map(
        (b) =>
          `(${sloRatioRecord(b.long)}{${job}} > (${b.factor} * ${budget}) and ${sloRatioRecord(b.short)}{${job}} > (${b.factor} * ${budget}))`,
      )
      .join(" or ");
  const describe = (ws: BurnWindow[]) => ws.map((b) => `${b.factor}× over ${b.long} and ${b.short}`).join(", or ");
  const objective = `${pct(slo.objective)} over ${slo.period}`;
  return [
    ...sloRatioRules(c),
    { record: "slo:objective:ratio", expr: `vector(${slo.objective})`, labels: { job: c.appJob } },
    {
      record: BUDGET_REMAINING_RECORD,
      expr: `1 - (${sloRatioRecord(slo.period)}{${job}} / ${budget})`,
    },
    alert(
      "SLOErrorBudgetBurnPage",
      "critical",
      burn(slo.page),
      slo.pageFor,
      "TaskFlow is burning its error budget fast",
      `The availability SLO (${objective}) burns at ${describe(slo.page)}: at this rate the budget is gone within days.`,
    ),
    alert(
      "SLOErrorBudgetBurnTicket",
      "warning",
      burn(slo.ticket),
      slo.ticketFor,
      "TaskFlow is burning its error budget steadily",
      `The availability SLO (${objective}) burns at ${describe(slo.ticket)}.`,
    ),
  ];
}
