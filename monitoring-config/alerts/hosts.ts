/** Every host's resources (group `hosts`, from node_exporter), as the node-mixin watches them: sustained saturation. */
import { SELECTORS, type MixinConfig } from "../mixin";
import { DISK_FILL_FIT } from "../thresholds";
import { pct, type AlertFactory, type AlertRule } from "./rule";

/** CPU, memory, disk space and clock of every host node_exporter runs on. */
export function hostAlerts({ thresholds: t }: MixinConfig, alert: AlertFactory): AlertRule[] {
  const w = t.rateWindow;
  const fs = SELECTORS.filesystem;
  const writable = `node_filesystem_readonly{${fs}} == 0`;
  const freeRatio = `(node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}})`;
  return [
    alert(
      "HostHighCpu",
      "warning",
      `1 - avg by (job, instance) (rate(node_cpu_seconds_total{${SELECTORS.cpuIdle}}[${w}])) > ${t.cpuRatio}`,
      t.cpuFor,
      `CPU on {{ $labels.instance }} is more than ${pct(t.cpuRatio)} busy`,
      `CPU utilisation has been above ${pct(t.cpuRatio)} for ${t.cpuFor}.`,
    ),
    alert(
      "HostHighMemory",
      "warning",
      `1 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > ${t.memoryRatio}`,
      t.memoryFor,
      `Memory on {{ $labels.instance }} is more than ${pct(t.memoryRatio)} used`,
      `Less than ${pct(1 - t.memoryRatio)} of memory has been available for ${t.memoryFor}.`,
    ),
    alert(
      "HostDiskFillingUp",
      "warning",
      `predict_linear(node_filesystem_avail_bytes{${fs}}[${DISK_FILL_FIT.hours}h], ${t.diskFillHours} * 3600) < 0 and ${freeRatio} < ${DISK_FILL_FIT.belowFreeRatio} and ${writable}`,
      t.diskFillFor,
      `Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} fills up within ${t.diskFillHours} h`,
      `At the growth of the last ${DISK_FILL_FIT.hours} h, {{ $labels.mountpoint }} will be full within ${t.diskFillHours} hours.`,
    ),
    alert(
      "HostDiskAlmostFull",
      "critical",
      `${freeRatio} < ${t.diskAlmostFullRatio} and ${writable}`,
      t.diskAlmostFullFor,
      "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} is almost full",
      `Less than ${pct(t.diskAlmostFullRatio)} of {{ $labels.mountpoint }} is free.`,
    ),
    alert(
      "HostClockSkew",
      "warning",
      `(abs(node_timex_offset_seconds) > ${t.clockSkewSeconds}) or (node_timex_sync_status == 0)`,
      t.clockSkewFor,
      "Clock on {{ $labels.instance }} is off or not synchronised",
      `The clock offset exceeds ${t.clockSkewSeconds} s or NTP is not synchronised, for ${t.clockSkewFor}: TLS, logs and metrics timestamps suffer.`,
    ),
  ];
}
