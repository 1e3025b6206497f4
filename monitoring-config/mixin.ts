/**
 * The mixin's config, as the monitoring mixins keep their `_config` (node-mixin, kubernetes-mixin): the job names
 * and label selectors that the scrape configuration, the alert groups and the dashboards share, and the settings
 * every alert group reads. An alert and the panel that shows its signal take their selector from here, so they
 * cannot drift apart. Thresholds stay in the settings (`s.thresholds`, `s.slo`; defaults and reasons in
 * thresholds.ts).
 */
import { METRIC_NAMES, UNMATCHED_ROUTE } from "./contract";
import type { AlertThresholds, MonitoringSettings, SloSettings } from "./types";

/**
 * Job names of the scrape configs (prometheus.yml names its jobs with these; alerts select on them). The app's
 * job is a setting (`appJob`, default APP_JOB).
 */
export const JOBS = {
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  blackbox: "blackbox",
  /** node_exporter on every host (the app hosts and the monitoring host itself). */
  node: "node",
  /** blackbox_exporter probing the app's public health URL (http_2xx). */
  probe: "blackbox-http",
} as const;

/** `job="<name>"`: the matcher of one scrape job. */
export const jobMatcher = (job: string): string => `job="${job}"`;

/** Label matchers without braces, to splice into a selector: `metric{${SELECTORS.x},…}`. */
export const SELECTORS = {
  /**
   * The filesystems whose space matters: the disk alerts and the "Disk space used" panel both select these, so
   * the panel shows exactly the filesystems that can fire HostDiskFillingUp and HostDiskAlmostFull. It leaves
   * out in-memory and pseudo filesystems (tmpfs, ramfs, nsfs), read-only images (squashfs), container layers
   * (overlay), and the mounts under /run and /boot: /boot (and /boot/efi, often vfat) is a small partition that
   * kernel updates fill by design and nothing else writes, /run holds runtime state (bind mounts, namespaces).
   * Neither should page, and a panel that showed them would show a "full" filesystem that never alerts.
   */
  filesystem: 'fstype!~"tmpfs|overlay|squashfs|ramfs|nsfs",mountpoint!~"/run.*|/boot.*"',
  /** Requests answered with a server error: the errors of the RED signals and of the SLI. */
  serverError: 'status_code=~"5.."',
  /** Requests refused as the client's fault (probing, broken clients, validation failures). */
  clientError: 'status_code=~"4.."',
  /** Requests that matched a route: unknown URLs (one `route` value, UNMATCHED_ROUTE) say nothing of latency. */
  matchedRoute: `route!="${UNMATCHED_ROUTE}"`,
  /** The idle CPU time of node_exporter's per-mode counter. */
  cpuIdle: 'mode="idle"',
  /** Every network interface but loopback. */
  notLoopback: 'device!="lo"',
} as const;

/**
 * What the alert groups and the app's dashboards read: the app's job and its matcher, its metric names, the
 * thresholds, the SLO and the runbook links.
 */
export interface MixinConfig {
  /** Job name of the app's metrics target. */
  appJob: string;
  /** `job="<appJob>"`. */
  appMatcher: string;
  /** The metrics the app exposes, as its contract names them. */
  metrics: typeof METRIC_NAMES;
  thresholds: AlertThresholds;
  slo: SloSettings;
  /** How many Alertmanagers form the cluster: this host's and its HA peers'. */
  alertmanagerClusterSize: number;
  /** Where the runbook section of an alert lives (`${runbookBaseUrl}#<alert-name-lowercase>`). */
  runbookUrl(alert: string): string;
}

/** The mixin config of validated settings. */
export function mixinConfig(s: MonitoringSettings): MixinConfig {
  return {
    appJob: s.appJob,
    appMatcher: jobMatcher(s.appJob),
    metrics: METRIC_NAMES,
    thresholds: s.thresholds,
    slo: s.slo,
    alertmanagerClusterSize: s.ha ? s.ha.clusterPeers.length + 1 : 1,
    runbookUrl: (alert) => `${s.runbookBaseUrl}#${alert.toLowerCase()}`,
  };
}
