#!/usr/bin/env bash
# App host, once per instance: Docker, node_exporter (container, host network), the SQLite data volume.
# Idempotent: re-running changes nothing that is already in place. node_exporter's port comes from the contract
# (monitoring-config/contract.ts), handed over as NODE_EXPORTER_PORT.
set -euo pipefail
# shellcheck source=common.sh
source /tmp/observed-app/common.sh

: "${DATA_DEVICE:?}" "${NODE_EXPORTER_IMAGE:?}" "${NODE_EXPORTER_PORT:?}"

wait_for_cloud_init
install_docker
mount_data_volume "$DATA_DEVICE" /srv/taskflow
sudo install -d -o 1000 -g 1000 -m 0750 /srv/taskflow/data

if [ "$(sudo docker inspect -f '{{.Config.Image}}' node-exporter 2>/dev/null || true)" != "$NODE_EXPORTER_IMAGE" ]; then
  log "starting node_exporter ($NODE_EXPORTER_IMAGE)"
  sudo docker rm -f node-exporter >/dev/null 2>&1 || true
  sudo docker run -d --name node-exporter --restart unless-stopped --network host --pid host \
    -v /:/host:ro,rslave "$NODE_EXPORTER_IMAGE" --path.rootfs=/host "--web.listen-address=:$NODE_EXPORTER_PORT" >/dev/null
fi
log "bootstrap done"
