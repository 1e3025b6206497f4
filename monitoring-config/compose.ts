import { MONITORING_NODE_EXPORTER } from "./prometheus";
import type { MonitoringSettings } from "./settings";

/**
 * docker-compose.yml for the monitoring host. Host networking keeps every address the same as in the
 * local stack (127.0.0.1:<port>), so one prometheus.yml works in both places. Data sits under dataDir
 * (the separate EBS volume on AWS); config is read-only from the bundle directory beside this file.
 */
export function composeFile(s: MonitoringSettings): object {
  const l = s.listen;
  const data = s.dataDir;
  const webConfig = s.basicAuth ? ["--web.config.file=/etc/prometheus/web.yml"] : [];
  const amWebConfig = s.basicAuth ? ["--web.config.file=/etc/alertmanager/web.yml"] : [];
  const common = { restart: "unless-stopped", network_mode: "host", logging: { driver: "journald" } };
  return {
    name: "monitoring",
    services: {
      prometheus: {
        ...common,
        image: s.images.prometheus,
        user: "65534:65534",
        command: [
          "--config.file=/etc/prometheus/prometheus.yml",
          "--storage.tsdb.path=/prometheus",
          `--storage.tsdb.retention.time=${s.retention}`,
          `--rules.alert.resend-delay=${s.alertResendDelay}`,
          `--web.listen-address=${l.host}:${l.prometheusPort}`,
          "--web.enable-lifecycle",
          ...webConfig,
        ],
        volumes: ["./prometheus:/etc/prometheus:ro", `${data}/prometheus:/prometheus`],
      },
      alertmanager: {
        ...common,
        image: s.images.alertmanager,
        user: "65534:65534",
        command: [
          "--config.file=/etc/alertmanager/alertmanager.yml",
          "--storage.path=/alertmanager",
          `--web.listen-address=${l.host}:${l.alertmanagerPort}`,
          "--cluster.listen-address=",
          ...amWebConfig,
        ],
        volumes: ["./alertmanager:/etc/alertmanager:ro", `${data}/alertmanager:/alertmanager`],
      },
      blackbox: {
        ...common,
        image: s.images.blackbox,
        command: ["--config.file=/etc/blackbox/blackbox.yml", `--web.listen-address=127.0.0.1:${l.blackboxPort}`],
        volumes: ["./blackbox:/etc/blackbox:ro"],
      },
      "node-exporter": {
        ...common,
        image: s.images.nodeExporter,
        pid: "host",
        command: ["--path.rootfs=/host", `--web.listen-address=${MONITORING_NODE_EXPORTER}`],
        volumes: ["/:/host:ro,rslave"],
      },
      grafana: {
        ...common,
        image: s.images.grafana,
        user: "472:472",
        environment: {
          GF_PATHS_CONFIG: "/etc/grafana/grafana.ini",
          GF_PATHS_PROVISIONING: "/etc/grafana/provisioning",
        },
        volumes: [
          "./grafana/grafana.ini:/etc/grafana/grafana.ini:ro",
          "./grafana/provisioning:/etc/grafana/provisioning:ro",
          "./grafana/dashboards:/var/lib/grafana/dashboards:ro",
          `${data}/grafana:/var/lib/grafana`,
        ],
      },
    },
  };
}
