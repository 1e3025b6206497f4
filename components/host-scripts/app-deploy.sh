#!/usr/bin/env bash
# Run TaskFlow by image digest. Secrets arrive on stdin (KEY=value lines), never on the command line.
# A new digest replaces the container; the update fails unless /health passes within the deadline.
set -euo pipefail
# shellcheck source=common.sh
source /tmp/observed-app/common.sh

: "${IMAGE:?}" "${REGION:?}" "${LOG_GROUP:?}" "${PORT:?}" "${METRICS_PORT:?}" "${FAULT_INJECTION:?}"

sudo install -d -m 0700 /etc/taskflow
umask 077
sudo tee /etc/taskflow/secrets.env >/dev/null
sudo chmod 0600 /etc/taskflow/secrets.env

registry=${IMAGE%%/*}
aws ecr get-login-password --region "$REGION" | sudo docker login --username AWS --password-stdin "$registry" >/dev/null

current=$(sudo docker inspect -f '{{.Config.Image}}' taskflow 2>/dev/null || true)
if [ "$current" = "$IMAGE" ] && sudo docker ps -q -f name=^taskflow$ | grep -q .; then
  log "taskflow already runs $IMAGE"
else
  log "deploying $IMAGE"
  sudo docker pull -q "$IMAGE" >/dev/null
  sudo docker rm -f taskflow >/dev/null 2>&1 || true
  sudo docker run -d --name taskflow --restart unless-stopped \
    -p "$PORT:3000" -p "$METRICS_PORT:9464" \
    -v /srv/taskflow/data:/data \
    --env-file /etc/taskflow/secrets.env \
    -e FAULT_INJECTION="$FAULT_INJECTION" \
    --log-driver awslogs --log-opt awslogs-region="$REGION" --log-opt awslogs-group="$LOG_GROUP" \
    --log-opt awslogs-stream="taskflow-$(hostname)" \
    "$IMAGE" >/dev/null
fi

for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
    log "healthy: $IMAGE"
    exit 0
  fi
  sleep 2
done
echo "taskflow did not pass /health within 120 s; last log lines:" >&2
sudo docker logs --tail 50 taskflow >&2 || true
exit 1
