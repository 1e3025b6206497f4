/**
 * Images of the monitoring host (docker-compose.yml). Pinned deliberately: the 2.53 LTS line of Prometheus and
 * the matching Alertmanager/exporters. The configs are kept to features that Debian 12's Prometheus 2.42 /
 * Alertmanager 0.25 (used by the tests) also accept.
 */
export const DEFAULT_IMAGES = {
  prometheus: "prom/prometheus:v2.53.4",
  alertmanager: "prom/alertmanager:v0.27.0",
  grafana: "grafana/grafana-oss:11.5.2",
  blackbox: "prom/blackbox-exporter:v0.25.0",
  nodeExporter: "prom/node-exporter:v1.8.2",
  /**
   * The app host's edge (components/host-scripts/app-deploy.sh): nginx's stable line, holding the public ports
   * and switching between the app's two slots with a graceful reload. The rehearsal's stand-in is Debian's 1.22.
   */
  edge: "nginx:1.26.3-alpine",
};
