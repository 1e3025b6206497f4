/** The alerting pipeline's heartbeat (group `meta`, last): Alertmanager routes it to the heartbeat receiver. */
import type { AlertFactory, AlertRule } from "./rule";

/** Name of the always-firing alert (Alertmanager's heartbeat route matches on it). */
export const HEARTBEAT_ALERT = "Watchdog";

/** Watchdog: always firing, so its silence at the receiver means the path to it is broken. */
export function heartbeatAlerts(alert: AlertFactory): AlertRule[] {
  return [
    alert(
      HEARTBEAT_ALERT,
      "info",
      "vector(1)",
      undefined,
      "Alerting pipeline heartbeat",
      "Always firing. If the heartbeat receiver stops getting it, the path Prometheus → Alertmanager → receiver is broken.",
    ),
  ];
}
