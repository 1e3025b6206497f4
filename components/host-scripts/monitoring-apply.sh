#!/usr/bin/env bash
# Validate the staged bundle with the pinned images' own promtool/amtool, then make it live and reload.
# A bundle that fails validation is never applied: the running configuration stays as it was.
set -euo pipefail
# shellcheck source=common.sh
source /tmp/observed-app/common.sh

: "${STAGED:?}" "${PROMETHEUS_IMAGE:?}" "${ALERTMANAGER_IMAGE:?}"
live=/opt/monitoring

log "validating $STAGED"
sudo docker run --rm --entrypoint promtool -v "$STAGED/prometheus:/etc/prometheus:ro" "$PROMETHEUS_IMAGE" \
  check config /etc/prometheus/prometheus.yml
if [ -f "$STAGED/prometheus/web.yml" ]; then
  sudo docker run --rm --entrypoint promtool -v "$STAGED/prometheus:/etc/prometheus:ro" "$PROMETHEUS_IMAGE" \
    check web-config /etc/prometheus/web.yml
fi
sudo docker run --rm --entrypoint amtool -v "$STAGED/alertmanager:/etc/alertmanager:ro" "$ALERTMANAGER_IMAGE" \
  check-config /etc/alertmanager/alertmanager.yml

log "applying"
sudo rsync -a --delete "$STAGED/" "$live/"
sudo chmod -R go-w "$live"
cd "$live"
sudo docker compose up -d --remove-orphans
# Config-only changes do not recreate containers: ask the running ones to reload (data is untouched).
curl -fsS -X POST http://127.0.0.1:9090/-/reload >/dev/null 2>&1 || true
curl -fsS -X POST http://127.0.0.1:9093/-/reload >/dev/null 2>&1 || true
for _ in $(seq 1 60); do
  if curl -fsS http://127.0.0.1:9090/-/ready >/dev/null 2>&1 && curl -fsS http://127.0.0.1:9093/-/ready >/dev/null 2>&1; then
    log "monitoring ready"
    exit 0
  fi
  sleep 2
done
echo "Prometheus/Alertmanager not ready after 120 s" >&2
sudo docker compose logs --tail 50 >&2
exit 1
