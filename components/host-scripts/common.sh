#!/usr/bin/env bash
# Shared by the host scripts (sourced). Every step is idempotent: it checks before it changes anything.
set -euo pipefail

log() { printf '%s %s\n' "$(date -u +%FT%TZ)" "$*"; }

# cloud-init may still be installing packages on a fresh instance.
wait_for_cloud_init() {
  if command -v cloud-init >/dev/null 2>&1; then
    log "waiting for cloud-init"
    sudo cloud-init status --wait >/dev/null || true
  fi
}

# The engine alone, from the distribution's repository (reachable from private subnets through S3).
install_docker_engine() {
  if ! command -v docker >/dev/null 2>&1; then
    log "installing docker"
    sudo dnf install -y -q docker
  fi
  sudo systemctl enable --now docker >/dev/null
}

install_docker() {
  install_docker_engine
  if ! docker compose version >/dev/null 2>&1; then
    log "installing the docker compose plugin"
    local arch
    arch=$(uname -m)
    sudo mkdir -p /usr/local/lib/docker/cli-plugins
    sudo curl -fsSL -o /usr/local/lib/docker/cli-plugins/docker-compose \
      "https://github.com/docker/compose/releases/download/v2.29.7/docker-compose-linux-${arch}"
    sudo chmod 0755 /usr/local/lib/docker/cli-plugins/docker-compose
  fi
  sudo systemctl enable --now docker >/dev/null
}

# Format (only when blank) and mount a data volume by its device, persistently.
mount_data_volume() {
  local device=$1 mountpoint=$2
  local real
  for _ in $(seq 1 60); do
    real=$(readlink -f "$device" || true)
    [ -b "$real" ] && break
    sleep 2
  done
  if [ ! -b "$real" ]; then
    echo "data volume $device did not appear" >&2
    return 1
  fi
  if ! sudo blkid "$real" >/dev/null 2>&1; then
    log "formatting $real"
    sudo mkfs.xfs -q "$real"
  fi
  sudo mkdir -p "$mountpoint"
  local uuid
  uuid=$(sudo blkid -s UUID -o value "$real")
  if ! grep -q "$uuid" /etc/fstab; then
    echo "UUID=$uuid $mountpoint xfs defaults,nofail 0 2" | sudo tee -a /etc/fstab >/dev/null
  fi
  mountpoint -q "$mountpoint" || sudo mount "$mountpoint"
}
