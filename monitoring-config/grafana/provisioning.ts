/** Grafana's provisioning: the datasources (by their fixed uids) and the provider of the dashboard files. */
import { GRAFANA_WEB_PASSWORD_ENV } from "../secrets";
import type { MonitoringSettings } from "../types";
import { DATASOURCE_UIDS } from "./uids";

/** Datasources provisioning: Prometheus and Alertmanager always, CloudWatch on AWS (instance-role auth). */
export function datasourcesProvisioning(s: MonitoringSettings): object {
  const l = s.listen;
  const scheme = s.tls ? "https" : "http";
  // Credentials and, with TLS, the host certificate as the only CA Grafana trusts for its peers.
  const secureJsonData = {
    ...(s.basicAuth ? { basicAuthPassword: `$${GRAFANA_WEB_PASSWORD_ENV}` } : {}),
    ...(s.tls ? { tlsCACert: s.tls.certPem } : {}),
  };
  const peer = {
    ...(s.basicAuth ? { basicAuth: true, basicAuthUser: s.basicAuth.username } : {}),
    ...(Object.keys(secureJsonData).length ? { secureJsonData } : {}),
  };
  const tlsJson = s.tls ? { tlsAuthWithCACert: true } : {};
  return {
    apiVersion: 1,
    datasources: [
      {
        name: "Prometheus",
        uid: DATASOURCE_UIDS.prometheus,
        type: "prometheus",
        access: "proxy",
        url: `${scheme}://127.0.0.1:${l.prometheusPort}`,
        isDefault: true,
        editable: false,
        jsonData: { timeInterval: s.scrapeInterval, httpMethod: "POST", ...tlsJson },
        ...peer,
      },
      {
        name: "Alertmanager",
        uid: DATASOURCE_UIDS.alertmanager,
        type: "alertmanager",
        access: "proxy",
        url: `${scheme}://127.0.0.1:${l.alertmanagerPort}`,
        editable: false,
        jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false, ...tlsJson },
        ...peer,
      },
      ...(s.grafana.cloudwatch
        ? [
            {
              name: "CloudWatch",
              uid: DATASOURCE_UIDS.cloudwatch,
              type: "cloudwatch",
              editable: false,
              jsonData: { authType: "default", defaultRegion: s.grafana.cloudwatch.region },
            },
          ]
        : []),
      // The long-term store: the same series (every replica's, told apart by `replica`), queried with SigV4 and
      // the instance role (grafana.ini enables SigV4 for Prometheus datasources).
      ...(s.grafana.managedPrometheus
        ? [
            {
              name: "Managed Prometheus",
              uid: DATASOURCE_UIDS.managedPrometheus,
              type: "prometheus",
              access: "proxy",
              url: s.grafana.managedPrometheus.url,
              editable: false,
              jsonData: {
                timeInterval: s.scrapeInterval,
                httpMethod: "POST",
                sigV4Auth: true,
                sigV4AuthType: "default",
                sigV4Region: s.grafana.managedPrometheus.region,
              },
            },
          ]
        : []),
    ],
  };
}

/** The dashboard provider: the rendered dashboards under `dashboardsPath`, read-only, in the TaskFlow folder. */
export function dashboardsProvisioning(dashboardsPath: string): object {
  return {
    apiVersion: 1,
    providers: [
      {
        name: "taskflow",
        orgId: 1,
        folder: "TaskFlow",
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: dashboardsPath },
      },
    ],
  };
}
