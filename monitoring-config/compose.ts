import { MONITORING_NODE_EXPORTER } from "./prometheus";
import { GRAFANA_ENV_FILE } from "./secrets";
import type { MonitoringSettings } from "./types";

/**
 * Alertmanager's gossip: off on a single host; in an HA pair it listens on the private address, advertises it and
 * joins its peers, so the members share silences and their notification log (one notification per alert group).
 */
export function clusterFlags(s: MonitoringSettings): string[] {
  const ha = s.ha;
  if (!ha) return ["--cluster.listen-address="];
  return [
    `--cluster.listen-address=${ha.clusterListen}`,
    ...(ha.clusterAdvertise ? [`--cluster.advertise-address=${ha.clusterAdvertise}`] : []),
    ...ha.clusterPeers.map((p) => `--cluster.peer=${p}`),
    `--cluster.peer-timeout=${ha.peerTimeout}`,
  ];
}

/**
 * docker-compose.yml for the monitoring host. Host networking keeps every address the same as in the
 * local stack (127.0.0.1:<port>), so one prometheus.yml works in both places. Data sits under dataDir
 * (the separate EBS volume on AWS); config is read-only from the bundle directory beside this file.
 */
export function composeFile(s: MonitoringSettings): object {
  const l = s.listen;
  const data = s.dataDir;
  const common = { restart: "unless-stopped", network_mode: "host", logging: { driver: "journald" } };
  /** Prometheus or Alertmanager: runs as nobody, config read-only from the bundle, data on the volume. */
  const promService = (name: "prometheus" | "alertmanager", image: string, flags: string[]) => ({
    ...common,
    image,
    user: "65534:65534",
    command: [
      `--config.file=/etc/${name}/${name}.yml`,
      ...flags,
      ...(s.basicAuth || s.tls ? [`--web.config.file=/etc/${name}/web.yml`] : []),
    ],
    volumes: [`./${name}:/etc/${name}:ro`, `${data}/${name}:/${name}`],
  });
  return {
    name: "monitoring",
    services: {
      prometheus: promService("prometheus", s.images.prometheus, [
        "--storage.tsdb.path=/prometheus",
        `--storage.tsdb.retention.time=${s.retention}`,
        `--rules.alert.resend-delay=${s.alertResendDelay}`,
        `--web.listen-address=${l.host}:${l.prometheusPort}`,
        // No --web.enable-lifecycle: /-/reload and /-/quit would be open to whoever reaches the port. The host
        // reloads with SIGHUP (monitoring-apply.sh), which only root on the host can send.
      ]),
      alertmanager: promService("alertmanager", s.images.alertmanager, [
        "--storage.path=/alertmanager",
        `--web.listen-address=${l.host}:${l.alertmanagerPort}`,
        ...clusterFlags(s),
      ]),
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
          ...(s.tls ? ["./grafana/tls:/etc/grafana/tls:ro"] : []),
          "./grafana/secrets:/etc/grafana/secrets:ro",
          `${data}/grafana:/var/lib/grafana`,
        ],
        // The web password for the datasources' provisioning (secrets.ts, GRAFANA_WEB_PASSWORD_ENV).
        ...(s.basicAuth ? { env_file: [`./${GRAFANA_ENV_FILE}`] } : {}),
      },
    },
  };
}
