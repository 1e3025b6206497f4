/** The users' view (group `taskflow-service`, after the app's own alerts): blackbox_exporter's probes. */
import { JOBS, jobMatcher, type MixinConfig } from "../mixin";
import type { AlertFactory, AlertRule } from "./rule";

const SECONDS_PER_DAY = 86400;

/** The public health check fails, or the certificate it is served with expires soon. */
export function probeAlerts({ thresholds }: MixinConfig, alert: AlertFactory): AlertRule[] {
  const { probeFailedFor, tlsExpiryDays, tlsExpiryFor } = thresholds;
  const probe = jobMatcher(JOBS.probe);
  return [
    alert(
      "ProbeFailed",
      "critical",
      `probe_success{${probe}} == 0`,
      probeFailedFor,
      "Public health check of {{ $labels.instance }} fails",
      `blackbox_exporter could not get a 2xx from {{ $labels.instance }} for ${probeFailedFor}: users cannot reach the service.`,
    ),
    alert(
      "TLSCertExpiringSoon",
      "warning",
      `(probe_ssl_earliest_cert_expiry{${probe}} - time()) / ${SECONDS_PER_DAY} < ${tlsExpiryDays}`,
      tlsExpiryFor,
      `TLS certificate of {{ $labels.instance }} expires within ${tlsExpiryDays} days`,
      `The certificate served at {{ $labels.instance }} expires in less than ${tlsExpiryDays} days.`,
    ),
  ];
}
