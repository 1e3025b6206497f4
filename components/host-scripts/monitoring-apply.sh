#!/usr/bin/env bash
# Validate the staged bundle with the pinned images' own promtool/amtool, then make it live and reload.
# A bundle that fails validation is never applied: the running configuration stays as it was.
# The bundle holds secrets (Grafana's password, the web password, webhook URLs): it is installed root-owned,
# each service's files 0640 with the group of the user its container runs as (directories 0750), compose's file
# 0600. The working copy ($live.next) is removed whatever happens; the staged bundle once it is live. A failed
# apply keeps the staged bundle (private to the SSH user: the bundle step writes it with umask 077), since
# Pulumi re-runs only this step on the next `up` when the bundle itself is unchanged.
# The staged bundle is configuration only; its secrets (passwords, webhook URLs, TLS keys: the files under
# <service>/secrets/) arrive on stdin as SECRETS_B64 (a base64 tar) and are installed beside it before validation.
# The basic-auth credentials of Prometheus and Alertmanager arrive on stdin too (WEB_USER, WEB_PASSWORD), never on
# a command line: the readiness checks authenticate with them.
set -euo pipefail
# shellcheck source=common.sh
source /tmp/observed-app/common.sh

: "${STAGED:?}" "${PROMETHEUS_IMAGE:?}" "${ALERTMANAGER_IMAGE:?}"
# From the contract (monitoring-config/contract.ts): the ports the readiness checks reach.
: "${PROMETHEUS_PORT:?}" "${ALERTMANAGER_PORT:?}"
live=/opt/monitoring

web_user="" web_password="" secrets_b64=""
while IFS='=' read -r key value; do
  case "$key" in
    WEB_USER) web_user=$value ;;
    WEB_PASSWORD) web_password=$value ;;
    SECRETS_B64) secrets_b64=$value ;;
  esac
done
# curl reads the credentials from its config on stdin (-K -), so they never show in the process list. With the
# bundle's certificate (AWS) the services speak only TLS, and curl trusts that certificate alone.
scheme=http
tls_args=()
ready() {
  printf 'user = "%s:%s"\n' "$web_user" "$web_password" |
    sudo curl -fsS "${tls_args[@]}" -K - -o /dev/null "$scheme://127.0.0.1:$1/-/ready" 2>/dev/null
}

next=$live.next
trap 'sudo rm -rf "$next"' EXIT
[ -d "$STAGED" ] || {
  echo "no staged bundle at $STAGED: re-run the bundle step (pulumi up --replace on its urn, or change the bundle)" >&2
  exit 1
}
sudo rm -rf "$next"
sudo install -d -m 0755 "$next"
sudo cp -R "$STAGED/." "$next/"
if [ -n "$secrets_b64" ]; then
  # Private from the first byte (umask 077); the modes below then open each to its service's group only.
  printf '%s' "$secrets_b64" | base64 -d | sudo sh -c 'umask 077 && tar -x --no-same-owner -C "$1"' _ "$next"
fi
sudo chown -R root:root "$next"
# <directory> <gid>: readable by the group of the container's user only.
for owner in prometheus:65534 alertmanager:65534 blackbox:65534 grafana:472; do
  dir=$next/${owner%%:*}
  [ -d "$dir" ] || continue
  sudo chgrp -R "${owner#*:}" "$dir"
  sudo find "$dir" -type d -exec chmod 0750 {} +
  sudo find "$dir" -type f -exec chmod 0640 {} +
done
sudo chmod 0600 "$next/docker-compose.yml"

log "validating the bundle"
check() {
  local dir=$1 image=$2 tool=$3
  shift 3
  sudo docker run --rm --user 65534:65534 --entrypoint "$tool" -v "$next/$dir:/etc/$dir:ro" "$image" "$@"
}
check prometheus "$PROMETHEUS_IMAGE" promtool check config /etc/prometheus/prometheus.yml
if [ -f "$next/prometheus/web.yml" ]; then
  check prometheus "$PROMETHEUS_IMAGE" promtool check web-config /etc/prometheus/web.yml
fi
check alertmanager "$ALERTMANAGER_IMAGE" amtool check-config /etc/alertmanager/alertmanager.yml

log "applying"
sudo rsync -a --delete "$next/" "$live/"
if sudo test -f "$live/prometheus/tls/server.crt"; then
  scheme=https
  tls_args=(--cacert "$live/prometheus/tls/server.crt")
fi
cd "$live"
running_before=$(sudo docker compose ps -q prometheus alertmanager 2>/dev/null || true)
sudo docker compose up -d --remove-orphans
# Config-only changes do not recreate containers: the ones that were already running reload on SIGHUP (data is
# untouched; the HTTP lifecycle endpoints stay off, so nobody outside the host can reload or stop them). A
# container compose has just created read the new files at start, and must not get a SIGHUP: one that arrives
# before the process has installed its handler terminates it, and docker does not restart a container it was
# told to signal.
for svc in prometheus alertmanager; do
  id=$(sudo docker compose ps -q "$svc")
  if [ -n "$id" ] && grep -qx "$id" <<<"$running_before"; then
    sudo docker compose kill -s SIGHUP "$svc" >/dev/null
  fi
done
for _ in $(seq 1 60); do
  if ready "$PROMETHEUS_PORT" && ready "$ALERTMANAGER_PORT"; then
    log "monitoring ready"
    sudo rm -rf "$STAGED"
    exit 0
  fi
  sleep 2
done
echo "Prometheus/Alertmanager not ready after 120 s" >&2
sudo docker compose logs --tail 50 >&2
exit 1
