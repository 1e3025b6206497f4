/** Prometheus rules as data: what the alert groups build, and the one way an alert is written. */
import type { MixinConfig } from "../mixin";

export type Severity = "critical" | "warning" | "info";

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: Severity } & Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  interval?: string;
  rules: (AlertRule | RecordingRule)[];
}
/** One rule file of the bundle: prometheus/rules/<file>.yml */
export interface RuleFile {
  file: string;
  groups: RuleGroup[];
}

/** A ratio as the annotations print it: 0.05 → "5 %". */
export const pct = (r: number) => `${+(r * 100).toFixed(4)} %`;

/**
 * Writes one alert: its severity, summary and description, and its runbook link. `forDuration` is how long the
 * condition must hold (none: it fires at once); thresholds and durations come from the settings.
 */
export type AlertFactory = (
  name: string,
  severity: Severity,
  expr: string,
  forDuration: string | undefined,
  summary: string,
  description: string,
) => AlertRule;

/** The alert factory of a mixin config (its runbook links). */
export function alertFactory(c: MixinConfig): AlertFactory {
  return (name, severity, expr, forDuration, summary, description) => ({
    alert: name,
    expr,
    ...(forDuration ? { for: forDuration } : {}),
    labels: { severity },
    annotations: { summary, description, runbook_url: c.runbookUrl(name) },
  });
}
