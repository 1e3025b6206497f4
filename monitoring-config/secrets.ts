/**
 * The bundle's credentials live in files of their own, under `<service>/secrets/`, which the configuration files
 * only point at (Prometheus `password_file`, Alertmanager `api_url_file` / `smtp_auth_password_file`, Grafana
 * `$__file{}` and an `env_file`, the services' TLS keys). Everything else in the bundle is no secret: on AWS it
 * ships as plain configuration (so `pulumi preview` can show what changes), and the secrets travel apart, as a
 * Pulumi secret on the apply step's stdin (components/monitoring-host.ts, monitoring-apply.sh).
 */
import type { MonitoringSettings } from "./types";

/** The directory, inside each service's bundle directory, that holds its secrets. */
export const SECRETS_DIR_NAME = "secrets";

/** Where a service's container reads the secret `name` (the bundle's `<service>/secrets/<name>`). */
export const secretPath = (service: string, name: string) => `/etc/${service}/${SECRETS_DIR_NAME}/${name}`;

/** The environment variable Grafana's datasource provisioning reads the web password from (`env_file`). */
export const GRAFANA_WEB_PASSWORD_ENV = "MONITORING_WEB_PASSWORD";

/** The env file docker compose gives Grafana (relative to the compose file). */
export const GRAFANA_ENV_FILE = `grafana/${SECRETS_DIR_NAME}/grafana.env`;

/** The services that serve TLS with the host's certificate (each gets its own copy of it and of its key). */
export const TLS_SERVICES = ["prometheus", "alertmanager", "grafana"] as const;

/** A bundle path under some service's secrets directory. */
export const isSecretPath = (path: string) => path.split("/")[1] === SECRETS_DIR_NAME;

/** The bundle's secret files for these settings (path → content). */
export function secretFiles(s: MonitoringSettings): Record<string, string> {
  const files: Record<string, string> = { [`grafana/${SECRETS_DIR_NAME}/admin-password`]: s.grafana.adminPassword };
  if (s.basicAuth) {
    files[`prometheus/${SECRETS_DIR_NAME}/web-password`] = s.basicAuth.password;
    files[GRAFANA_ENV_FILE] = `${GRAFANA_WEB_PASSWORD_ENV}=${s.basicAuth.password}\n`;
  }
  for (const route of ["page", "ticket", "heartbeat"] as const) {
    const slack = s.receivers[route].slack;
    if (slack) files[`alertmanager/${SECRETS_DIR_NAME}/slack-${route}`] = slack.apiUrl;
  }
  if (s.smtp?.password) files[`alertmanager/${SECRETS_DIR_NAME}/smtp-password`] = s.smtp.password;
  if (s.tls) {
    for (const service of TLS_SERVICES) files[`${service}/${SECRETS_DIR_NAME}/server.key`] = s.tls.keyPem;
  }
  return files;
}

/** A bundle split into its configuration (no credential in it) and its secrets. */
export function splitSecrets(bundle: Record<string, string>): {
  config: Record<string, string>;
  secrets: Record<string, string>;
} {
  const config: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const [path, content] of Object.entries(bundle)) (isSecretPath(path) ? secrets : config)[path] = content;
  return { config, secrets };
}
