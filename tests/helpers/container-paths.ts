/**
 * A rendered bundle as the containers see it, on this machine: the compose file mounts `./<service>` at
 * `/etc/<service>`, so a bundle written to `dir` has its files at `dir/<service>`. Paths inside the files
 * (web.yml's certificate, prometheus.yml's CA file, blackbox's probe CA) are rewritten the same way, so the real
 * binaries find them when the tests run them outside a container.
 */
import type { Bundle } from "../../monitoring-config";

const SERVICES = ["prometheus", "alertmanager", "blackbox", "grafana"];

export function mountedAt(bundle: Bundle, dir: string): Bundle {
  return Object.fromEntries(
    Object.entries(bundle).map(([path, text]) => [
      path,
      SERVICES.reduce((t, svc) => t.split(`/etc/${svc}/`).join(`${dir}/${svc}/`), text),
    ]),
  );
}
