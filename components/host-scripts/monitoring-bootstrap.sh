#!/usr/bin/env bash
# Monitoring host, once per instance: Docker + compose, the data volume, directories owned by the containers' users.
set -euo pipefail
# shellcheck source=common.sh
source /tmp/observed-app/common.sh

: "${DATA_DEVICE:?}" "${DATA_DIR:?}"

wait_for_cloud_init
install_docker
mount_data_volume "$DATA_DEVICE" "$DATA_DIR"
sudo install -d -o 65534 -g 65534 "$DATA_DIR/prometheus" "$DATA_DIR/alertmanager"
sudo install -d -o 472 -g 472 "$DATA_DIR/grafana"
sudo install -d -m 0755 /opt/monitoring
log "bootstrap done"
