/**
 * The rule files of the bundle, composed from the alert groups (alerts/): which group goes in which file, in
 * which order. Every group reads its selectors and thresholds from the mixin config of the settings.
 */
import { heartbeatAlerts } from "./alerts/heartbeat";
import { hostAlerts } from "./alerts/hosts";
import { probeAlerts } from "./alerts/probes";
import { alertFactory, type AlertRule, type RuleFile } from "./alerts/rule";
import { selfHealthAlerts } from "./alerts/self-health";
import { serviceAlerts } from "./alerts/service";
import { sloRules } from "./alerts/slo";
import { mixinConfig } from "./mixin";
import type { MonitoringSettings } from "./types";

/** Every rule file, built from the settings: thresholds and `for` durations are never hard-coded. */
export function buildRuleFiles(s: MonitoringSettings): RuleFile[] {
  const c = mixinConfig(s);
  const alert = alertFactory(c);
  return [
    {
      file: "service.yml",
      groups: [{ name: "taskflow-service", rules: [...serviceAlerts(c, alert), ...probeAlerts(c, alert)] }],
    },
    { file: "slo.yml", groups: [{ name: "taskflow-slo", rules: sloRules(c, alert) }] },
    { file: "hosts.yml", groups: [{ name: "hosts", rules: hostAlerts(c, alert) }] },
    { file: "meta.yml", groups: [{ name: "meta", rules: [...selfHealthAlerts(c, alert), ...heartbeatAlerts(alert)] }] },
  ];
}

/** Every alert rule, flat. */
export function allAlerts(s: MonitoringSettings): AlertRule[] {
  return buildRuleFiles(s)
    .flatMap((f) => f.groups.flatMap((g) => g.rules))
    .filter((r): r is AlertRule => "alert" in r);
}
