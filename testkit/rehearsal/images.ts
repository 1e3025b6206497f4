/**
 * The images of the deploy rehearsal, built on the engine (classic builder: BuildKit would fetch its frontend):
 *   - the service image, from the build inputs the program gives docker.Image (captured under mocks);
 *   - stand-ins for the pinned images (monitoring-config/images.ts), tagged with the pinned names so the
 *     rendered docker-compose.yml and the host scripts run unchanged: Debian bookworm's Prometheus,
 *     Alertmanager, blackbox_exporter, node_exporter and nginx packages (older versions than the pins: the
 *     configs are kept to what both accept), with the upstream images' entrypoints and users. Grafana has no
 *     Debian package and is left out of the rehearsal;
 *   - the rehearsal host: Debian with sshd, sudo, the docker CLI (it drives the rehearsal's engine), the Compose
 *     v2 plugin (Debian trixie's build: the host script's download from GitHub cannot be reached here) and
 *     xfsprogs, with stubs for what only Amazon Linux and AWS have (dnf, the AWS CLI's ECR login) and what
 *     systemd would do (systemctl); each stub records its calls in /var/log/rehearsal-stubs.log.
 * Every stand-in carries the label `observed-app.standin` saying what it stands in for. The engine's layer cache
 * makes a rebuild of unchanged inputs take about a second.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_IMAGES } from "../../monitoring-config/images";
import type { Engine } from "./engine";

export const SERVICE_TAG = "taskflow:rehearsal";
export const HOST_IMAGE = "local/rehearsal-host:bookworm";
const PINNED_BASE = "local/pinned-images-debian-standin:bookworm";
const COMPOSE_DEB = "docker-compose=2.26.1-4";

/** What the program gives docker.Image to build (`build` of its inputs). */
export interface ServiceBuild {
  context: string;
  dockerfile: string;
  args?: Record<string, string>;
  target?: string;
}

export interface Built {
  tag: string;
  seconds: number;
}

/** Build from a Dockerfile given as text (and extra files), in a scratch context. */
async function buildFromText(
  engine: Engine,
  tag: string,
  dockerfile: string,
  files: Record<string, { text: string; mode?: number }> = {},
): Promise<Built> {
  const dir = mkdtempSync(join(tmpdir(), "rehearsal-build-"));
  try {
    writeFileSync(join(dir, "Dockerfile"), dockerfile);
    for (const [name, f] of Object.entries(files)) writeFileSync(join(dir, name), f.text, { mode: f.mode ?? 0o644 });
    const t0 = Date.now();
    const r = await engine.dockerAsync(["build", "-q", "-t", tag, dir], {
      env: { DOCKER_BUILDKIT: "0" },
      timeoutMs: 900_000,
    });
    if (r.code !== 0)
      throw new Error(`docker build ${tag} failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    return { tag, seconds: (Date.now() - t0) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** apt in a build: no service starts (policy-rc.d), no recommends, lists removed afterwards. */
const aptInstall = (packages: string[]) =>
  `RUN printf '#!/bin/sh\\nexit 101\\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d \\\n` +
  ` && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${packages.join(" ")} >/dev/null \\\n` +
  ` && rm -rf /var/lib/apt/lists/*`;

/** The service image from the program's own build inputs, on the node base stand-in. */
export async function buildServiceImage(
  engine: Engine,
  build: ServiceBuild,
  standinTag: string,
  tag = SERVICE_TAG,
): Promise<Built> {
  const args = Object.entries(build.args ?? {}).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
  const t0 = Date.now();
  const r = await engine.dockerAsync(
    [
      "build",
      "-f",
      build.dockerfile,
      ...(build.target ? ["--target", build.target] : []),
      ...args,
      "--build-arg",
      `NODE_IMAGE=${standinTag}`,
      "-t",
      tag,
      build.context,
    ],
    { env: { DOCKER_BUILDKIT: "0" }, timeoutMs: 1_200_000 },
  );
  if (r.code !== 0) throw new Error(`docker build failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return { tag, seconds: (Date.now() - t0) / 1000 };
}

/** How each pinned image is stood in for: the Debian binary, the upstream entrypoint and user. */
const PINNED_STANDINS: { pinned: string; binary: string; lines: string[] }[] = [
  ...[
    { pinned: DEFAULT_IMAGES.prometheus, binary: "prometheus", entry: "prometheus", workdir: "/prometheus" },
    {
      pinned: DEFAULT_IMAGES.alertmanager,
      binary: "prometheus-alertmanager",
      entry: "alertmanager",
      workdir: "/alertmanager",
    },
    { pinned: DEFAULT_IMAGES.blackbox, binary: "prometheus-blackbox-exporter", entry: "blackbox_exporter" },
    { pinned: DEFAULT_IMAGES.nodeExporter, binary: "prometheus-node-exporter", entry: "node_exporter" },
  ].map(({ pinned, binary, entry, workdir }: { pinned: string; binary: string; entry: string; workdir?: string }) => ({
    pinned,
    binary,
    lines: [
      `RUN ln -sf /usr/bin/${binary} /usr/local/bin/${entry}${workdir ? ` && install -d -o 65534 ${workdir}` : ""}`,
      ...(workdir ? [`WORKDIR ${workdir}`] : []),
      "USER 65534",
      `ENTRYPOINT ["/usr/local/bin/${entry}"]`,
    ],
  })),
  {
    // The official image runs nginx in the foreground with only conf.d's servers (the host mounts its own).
    pinned: DEFAULT_IMAGES.edge,
    binary: "nginx",
    lines: ["RUN rm -f /etc/nginx/sites-enabled/default /etc/nginx/conf.d/*", `CMD ["nginx", "-g", "daemon off;"]`],
  },
];

/** Stand-ins tagged with the pinned image names (all but Grafana), from one layer of Debian packages. */
export async function buildPinnedStandins(engine: Engine, standinTag: string): Promise<Built[]> {
  const base = await buildFromText(
    engine,
    PINNED_BASE,
    `FROM ${standinTag}\n` +
      aptInstall([
        "prometheus",
        "prometheus-alertmanager",
        "prometheus-blackbox-exporter",
        "prometheus-node-exporter",
        "nginx",
      ]) +
      "\n",
  );
  const built = [base];
  for (const s of PINNED_STANDINS) {
    built.push(
      await buildFromText(
        engine,
        s.pinned,
        [
          `FROM ${PINNED_BASE}`,
          `LABEL observed-app.standin="local stand-in for ${s.pinned}: Debian bookworm's ${s.binary}"`,
          ...s.lines,
          "",
        ].join("\n"),
      ),
    );
  }
  return built;
}

/** What the rehearsal host's entrypoint does: install the keys cloud-init would, then run sshd in the foreground. */
const HOST_ENTRYPOINT = `#!/bin/sh
# Rehearsal host entrypoint. Stands in for cloud-init's ssh module: installs the host key and the authorized key
# the instance's user data and key pair carry (written by the rehearsal to /run/rehearsal), then runs sshd on
# SSH_PORT of loopback (the hosts share the machine's network: port 22 is the machine's).
set -eu
install -m 0600 /run/rehearsal/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key
install -m 0644 /run/rehearsal/ssh_host_ed25519_key.pub /etc/ssh/ssh_host_ed25519_key.pub
install -d -o ec2-user -g ec2-user -m 0700 /home/ec2-user/.ssh
install -o ec2-user -g ec2-user -m 0600 /run/rehearsal/authorized_keys /home/ec2-user/.ssh/authorized_keys
exec /usr/sbin/sshd -D -e -p "$SSH_PORT" -o ListenAddress=127.0.0.1 -o HostKey=/etc/ssh/ssh_host_ed25519_key \\
  -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o PermitRootLogin=no
`;

/** A stub that records its call (what only Amazon Linux or systemd would do) and succeeds. */
const stub = (what: string) => `#!/bin/sh
# Rehearsal stub: ${what}
echo "$(basename "$0") $*" >>/var/log/rehearsal-stubs.log
exit 0
`;

/**
 * `docker` on the rehearsal host: the real CLI, except that the awslogs log driver (it needs AWS credentials
 * and CloudWatch) becomes json-file, the call recorded. First on sudo's secure_path, so `sudo docker` finds it.
 */
const DOCKER_WRAPPER = `#!/bin/bash
# Rehearsal stub for one AWS-specific thing only: --log-driver awslogs (and its --log-opt awslogs-*) becomes
# --log-driver json-file, recorded in /var/log/rehearsal-stubs.log. Everything else is the real docker CLI.
args=()
while [ $# -gt 0 ]; do
  if [ "$1" = --log-driver ] && [ "\${2:-}" = awslogs ]; then
    args+=(--log-driver json-file); shift 2; swapped=1; continue
  fi
  if [ "$1" = --log-opt ] && [[ "\${2:-}" == awslogs-* ]]; then shift 2; continue; fi
  args+=("$1"); shift
done
if [ -n "\${swapped:-}" ]; then echo "docker --log-driver awslogs -> json-file" >>/var/log/rehearsal-stubs.log; fi
exec /usr/bin/docker "\${args[@]}"
`;

/** The rehearsal host image. */
export function buildHostImage(engine: Engine, standinTag: string): Promise<Built> {
  return buildFromText(
    engine,
    HOST_IMAGE,
    [
      `FROM ${standinTag}`,
      `LABEL observed-app.standin="local stand-in for an Amazon Linux 2023 EC2 host: Debian bookworm with sshd and the docker CLI"`,
      aptInstall([
        "openssh-server",
        "sudo",
        "docker.io",
        "xfsprogs",
        "curl",
        "rsync",
        "procps",
        "util-linux",
        "ca-certificates",
      ]),
      // Compose v2 from Debian trixie (a static Go build): the host script would download v2.29.7 from GitHub.
      `RUN echo 'deb http://deb.debian.org/debian trixie main' >/etc/apt/sources.list.d/trixie.list \\`,
      ` && apt-get update -qq && cd /tmp && apt-get download -qq ${COMPOSE_DEB} && dpkg -i docker-compose_*.deb >/dev/null \\`,
      ` && rm -f docker-compose_*.deb /etc/apt/sources.list.d/trixie.list && rm -rf /var/lib/apt/lists/*`,
      "RUN useradd --create-home --shell /bin/bash ec2-user && usermod -p '*' ec2-user \\",
      " && echo 'ec2-user ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/ec2-user && chmod 0440 /etc/sudoers.d/ec2-user \\",
      " && install -d -m 0755 /run/sshd && rm -f /etc/ssh/ssh_host_* \\",
      // The stubs run as the SSH user too (the AWS CLI is called without sudo).
      " && install -m 0666 /dev/null /var/log/rehearsal-stubs.log",
      "COPY aws dnf docker systemctl /usr/local/bin/",
      "COPY entrypoint /usr/local/sbin/rehearsal-host-entrypoint",
      `ENTRYPOINT ["/usr/local/sbin/rehearsal-host-entrypoint"]`,
      "",
    ].join("\n"),
    {
      aws: {
        text: stub(
          "the AWS CLI; `aws ecr get-login-password` answers a placeholder the local registry ignores.",
        ).replace("exit 0", "echo rehearsal-registry-password\nexit 0"),
        mode: 0o755,
      },
      dnf: { text: stub("Amazon Linux's package manager (docker is preinstalled here)."), mode: 0o755 },
      systemctl: {
        text: stub("no systemd in a container; the docker service is the rehearsal's engine, already running."),
        mode: 0o755,
      },
      docker: { text: DOCKER_WRAPPER, mode: 0o755 },
      entrypoint: { text: HOST_ENTRYPOINT, mode: 0o755 },
    },
  );
}
