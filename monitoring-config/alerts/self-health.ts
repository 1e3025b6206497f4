/**
 * The monitoring stack's own health (group `meta`, with the heartbeat): Prometheus's configuration, rule
 * evaluation and notifications, remote write, the Alertmanagers, and every scrape target but the app's (whose
 * absence pages as ServiceDown).
 */
import type { MixinConfig } from "../mixin";
import type { AlertFactory, AlertRule } from "./rule";

/** Alerts on what would otherwise fail silently: a monitoring stack that cannot evaluate or deliver alerts. */
export function selfHealthAlerts(c: MixinConfig, alert: AlertFactory): AlertRule[] {
  const t = c.thresholds;
  const w = t.rateWindow;
  return [
    alert(
      "PrometheusConfigReloadFailed",
      "warning",
      `prometheus_config_last_reload_successful == 0`,
      t.metaFor,
      "Prometheus on {{ $labels.instance }} failed to reload its configuration",
      "The last configuration reload failed: Prometheus keeps running the previous configuration until it is fixed.",
    ),
    alert(
      "PrometheusRuleEvaluationFailures",
      "warning",
      `increase(prometheus_rule_evaluation_failures_total[${w}]) > 0`,
      t.metaFor,
      "Prometheus fails to evaluate rules in {{ $labels.rule_group }}",
      "Rules fail to evaluate: alerts based on them cannot fire.",
    ),
    alert(
      "PrometheusNotConnectedToAlertmanagers",
      "critical",
      `prometheus_notifications_alertmanagers_discovered < 1`,
      t.metaFor,
      "Prometheus on {{ $labels.instance }} has no Alertmanager",
      "Prometheus is connected to no Alertmanager: no alert can be delivered.",
    ),
    alert(
      "PrometheusNotificationErrors",
      "warning",
      `increase(prometheus_notifications_errors_total[${w}]) > 0`,
      t.metaFor,
      "Prometheus on {{ $labels.instance }} fails to send alerts to {{ $labels.alertmanager }}",
      "Prometheus got errors sending alerts to Alertmanager: notifications may be late or lost.",
    ),
    // Remote write (long-term storage): how far the sent samples trail the newest ones appended. Absent without
    // remote_write, so it never fires there.
    alert(
      "PrometheusRemoteWriteBehind",
      "warning",
      `(max_over_time(prometheus_remote_storage_highest_timestamp_in_seconds[${w}]) - ignoring(remote_name, url) group_right max_over_time(prometheus_remote_storage_queue_highest_sent_timestamp_seconds[${w}])) > ${t.remoteWriteBehindSeconds}`,
      t.metaFor,
      "Remote write to {{ $labels.remote_name }} falls behind",
      `The samples sent to {{ $labels.url }} trail the newest ones by more than ${t.remoteWriteBehindSeconds} s: the long-term store is unreachable, refusing writes or too slow. Prometheus keeps the backlog in its WAL for about 2 h, then drops it.`,
    ),
    alert(
      "PrometheusRemoteWriteFailing",
      "warning",
      `rate(prometheus_remote_storage_samples_failed_total[${w}]) > 0`,
      t.metaFor,
      "Remote write to {{ $labels.remote_name }} drops samples",
      "The long-term store rejects samples with an unrecoverable error (4xx other than 429): they are dropped, not retried. Check the permission (aps:RemoteWrite) and the receiver's limits.",
    ),
    // The Alertmanagers of an HA pair: a member that lost its peer still notifies, but nothing deduplicates.
    alert(
      "AlertmanagerClusterPeerDown",
      "warning",
      `alertmanager_cluster_failed_peers > 0 or alertmanager_cluster_members < ${c.alertmanagerClusterSize}`,
      t.metaFor,
      "Alertmanager on {{ $labels.instance }} has lost a cluster peer",
      "An Alertmanager of the HA pair cannot reach its peer: each member still notifies on its own, so notifications may now go out twice, and a failure of this member would leave none.",
    ),
    alert(
      "AlertmanagerFailedToSendAlerts",
      "warning",
      `increase(alertmanager_notifications_failed_total[${w}]) > 0`,
      t.metaFor,
      "Alertmanager fails to deliver notifications via {{ $labels.integration }}",
      "Alertmanager notifications through {{ $labels.integration }} fail: check the receiver's credentials and reachability.",
    ),
    alert(
      "TargetDown",
      "warning",
      `up{job!="${c.appJob}"} == 0`,
      t.targetDownFor,
      "Target {{ $labels.instance }} of job {{ $labels.job }} is down",
      `Prometheus has not been able to scrape {{ $labels.job }}/{{ $labels.instance }} for ${t.targetDownFor}.`,
    ),
  ];
}
