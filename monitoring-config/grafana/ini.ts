/** grafana.ini, the server's own settings. */
import { tlsPaths } from "../prometheus";
import { secretPath } from "../secrets";
import type { MonitoringSettings } from "../types";

/** grafana.ini: anonymous access off, no sign-up, admin password from settings. */
export function grafanaIni(s: MonitoringSettings): string {
  const tls = s.tls ? tlsPaths("grafana") : undefined;
  return [
    "[server]",
    `http_port = ${s.listen.grafanaPort}`,
    ...(tls ? ["protocol = https", `cert_file = ${tls.cert}`, `cert_key = ${tls.key}`] : []),
    "",
    "[security]",
    "admin_user = admin",
    // Read from the secrets the apply step installs, so this file holds no credential.
    `admin_password = $__file{${secretPath("grafana", "admin-password")}}`,
    "disable_gravatar = true",
    // Session cookies only over https, when Grafana serves it.
    `cookie_secure = ${s.tls ? "true" : "false"}`,
    "",
    "[auth.anonymous]",
    "enabled = false",
    "",
    ...(s.grafana.managedPrometheus ? ["[auth]", "sigv4_auth_enabled = true", ""] : []),
    "[users]",
    "allow_sign_up = false",
    "",
    "[analytics]",
    "reporting_enabled = false",
    "check_for_updates = false",
    "",
  ].join("\n");
}
