/** The Hosts dashboard (USE): utilisation, saturation and errors of every host node_exporter runs on. */
import { BY_INSTANCE as i, q, RATE_INTERVAL as r, type DashboardSpec } from "../grafana/render";
import { DASHBOARD_UIDS } from "../grafana/uids";
import { SELECTORS } from "../mixin";

/** CPU, load, memory, disk space and I/O, network and the clock, per host. */
export function hostDashboard(): DashboardSpec {
  const idle = `node_cpu_seconds_total{${i},${SELECTORS.cpuIdle}}`;
  const fs = `${i},${SELECTORS.filesystem}`;
  const nic = `${i},${SELECTORS.notLoopback}`;
  return {
    uid: DASHBOARD_UIDS.host,
    title: "TaskFlow — Hosts (USE)",
    tags: ["use", "node"],
    variablesFrom: "node_uname_info",
    panels: [
      {
        title: "CPU utilisation",
        description: "Share of CPU time not idle, per host (utilisation).",
        unit: "percentunit",
        min: 0,
        max: 1,
        queries: [q(`1 - avg by (instance) (rate(${idle}[${r}]))`, "{{instance}}")],
      },
      {
        title: "Load average per CPU",
        description: "1-minute load average divided by the number of CPUs (saturation): above 1 means queuing.",
        unit: "short",
        queries: [q(`node_load1{${i}} / on (instance) count by (instance) (rate(${idle}[${r}]))`, "{{instance}}")],
      },
      {
        title: "Memory used",
        description: "Share of memory not available to new work, per host.",
        unit: "percentunit",
        min: 0,
        max: 1,
        queries: [q(`1 - node_memory_MemAvailable_bytes{${i}} / node_memory_MemTotal_bytes{${i}}`, "{{instance}}")],
      },
      {
        // The disk alerts' filesystems (SELECTORS.filesystem): the panel shows what HostDiskAlmostFull watches.
        title: "Disk space used",
        description: "Share of each real filesystem in use.",
        unit: "percentunit",
        min: 0,
        max: 1,
        queries: [
          q(
            `1 - node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}}`,
            "{{instance}} {{mountpoint}}",
          ),
        ],
      },
      {
        title: "Disk I/O time",
        description: "Share of time each block device was busy (utilisation).",
        unit: "percentunit",
        queries: [q(`rate(node_disk_io_time_seconds_total{${i}}[${r}])`, "{{instance}} {{device}}")],
      },
      {
        title: "Network throughput",
        description: "Bytes received and transmitted per second, per interface (loopback excluded).",
        unit: "Bps",
        queries: [
          q(`sum by (instance) (rate(node_network_receive_bytes_total{${nic}}[${r}]))`, "{{instance}} rx"),
          q(`sum by (instance) (rate(node_network_transmit_bytes_total{${nic}}[${r}]))`, "{{instance}} tx"),
        ],
      },
      {
        title: "Network errors",
        description: "Receive and transmit errors per second (errors).",
        unit: "pps",
        queries: [
          q(
            `sum by (instance) (rate(node_network_receive_errs_total{${i}}[${r}]) + rate(node_network_transmit_errs_total{${i}}[${r}]))`,
            "{{instance}}",
          ),
        ],
      },
      {
        title: "Clock offset",
        description:
          "Offset of the system clock reported by the kernel's timex; HostClockSkew fires past the threshold.",
        unit: "s",
        queries: [q(`node_timex_offset_seconds{${i}}`, "{{instance}}")],
      },
    ],
  };
}
