#!/usr/bin/env bash
# App instance of the fleet, at first boot (cloud-init runs user data once per instance): Docker, then the app
# and node_exporter from ECR by digest, with the API token and the database credentials read from Secrets
# Manager through the instance role. Nothing reaches the instance over SSH: a new image or setting is a new
# launch template version, which the Auto Scaling group rolls out by an instance refresh.
#
# The database password is RDS-managed and rotated (every 7 days by default): it is kept in a file the service
# reads for each new connection (DATABASE_PASSWORD_FILE), and a systemd timer rewrites that file from Secrets
# Manager every 5 minutes, so a rotation never needs a restart (until the file catches up, the service retries a
# refused login once and answers 503). The file is under /run (tmpfs: never on disk), so it is gone after a
# reboot: the refresher's unit also runs at every boot before docker.service, which restarts the app's
# container, and the timer fires at boot too.
#
# TOKEN_VERSION (the token secret's version id) is not read here: it is in the user data so that a rotated token
# changes the launch template, and the instance refresh brings up instances that read the new one.
#
# Exits non-zero with the container's last log lines when the app does not become healthy: the load balancer's
# health check then fails the instance, and an instance refresh rolls back.
set -euo pipefail
# shellcheck source=common.sh
source /tmp/observed-app/common.sh

: "${IMAGE:?}" "${NODE_EXPORTER_IMAGE:?}" "${REGION:?}" "${LOG_GROUP:?}" "${PORT:?}" "${METRICS_PORT:?}"
: "${FAULT_INJECTION:?}" "${TOKEN_SECRET_ARN:?}" "${DB_SECRET_ARN:?}" "${DB_HOST:?}" "${DB_PORT:?}" "${DB_NAME:?}"
: "${DB_POOL_MAX:?}" "${TRUSTED_PROXIES:?}"
# The database's certificate is checked against the RDS CA bundle in the image (the launch template sets both).
: "${DATABASE_TLS:?}" "${DATABASE_CA_FILE:?}"
# From the contract (monitoring-config/contract.ts): node_exporter's port and the app's health path.
: "${NODE_EXPORTER_PORT:?}" "${HEALTH_PATH:?}"
HEALTH_TRIES=${HEALTH_TRIES:-90}
# Overridable only for the rehearsal (no AWS, and the machine's /etc is not ours there): where secrets, the
# refresher and its systemd units live, the AWS CLI, and the log driver (awslogs needs AWS).
SECRETS_DIR=${SECRETS_DIR:-/etc/taskflow}
RUN_DIR=${RUN_DIR:-/run/taskflow}
SBIN_DIR=${SBIN_DIR:-/usr/local/sbin}
SYSTEMD_DIR=${SYSTEMD_DIR:-/etc/systemd/system}
AWS_CLI=${AWS_CLI:-aws}
LOG_DRIVER=${LOG_DRIVER:-awslogs}
# The image's user (node, uid 1000) reads the password file.
APP_UID=${APP_UID:-1000}

secret() {
  "$AWS_CLI" secretsmanager get-secret-value --region "$REGION" --secret-id "$1" --query SecretString --output text
}
# A field of the RDS secret's JSON ({"username": ..., "password": ...}).
json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# Write the database password where the service reads it (atomically: a reader never sees half a file), creating
# the directory (after a reboot /run is empty). Every step checked: the refresher calls it where errexit is off.
write_db_password() {
  local db password
  db=$(secret "$DB_SECRET_ARN") || return 1
  password=$(json_field password <<<"$db") || return 1
  [ -n "$password" ] || return 1
  sudo install -d -m 0755 "$RUN_DIR" || return 1
  printf '%s' "$password" | sudo tee "$RUN_DIR/db-password.next" >/dev/null || return 1
  sudo chown "$APP_UID" "$RUN_DIR/db-password.next" || return 1
  sudo chmod 0400 "$RUN_DIR/db-password.next" || return 1
  sudo mv "$RUN_DIR/db-password.next" "$RUN_DIR/db-password"
}

install_docker_engine

umask 077
sudo install -d -m 0700 "$SECRETS_DIR"
sudo install -d -m 0755 "$RUN_DIR"
log "reading secrets from Secrets Manager"
token=$(secret "$TOKEN_SECRET_ARN")
db_user=$(secret "$DB_SECRET_ARN" | json_field username)
write_db_password
{
  echo "API_TOKEN=$token"
  echo "DATABASE_URL=postgres://$db_user@$DB_HOST:$DB_PORT/$DB_NAME"
  echo "DATABASE_PASSWORD_FILE=/run/taskflow/db-password"
  echo "DATABASE_TLS=$DATABASE_TLS"
  echo "DATABASE_CA_FILE=$DATABASE_CA_FILE"
  echo "DB_POOL_MAX=$DB_POOL_MAX"
  echo "PORT=$PORT"
  echo "METRICS_PORT=$METRICS_PORT"
  echo "FAULT_INJECTION=$FAULT_INJECTION"
  echo "TRUST_PROXY=$TRUSTED_PROXIES"
} | sudo tee "$SECRETS_DIR/app.env" >/dev/null
unset token

log "installing the database password refresher: at every boot before docker starts the app, then every 5 minutes"
sudo install -d -m 0755 "$SBIN_DIR" "$SYSTEMD_DIR"
{
  echo "#!/usr/bin/env bash"
  echo "# Written by the user data: rewrites TaskFlow's database password file from Secrets Manager (as root)."
  echo "# At boot the app's container waits for it (docker.service is ordered after it): a few tries, 10 s apart."
  echo "set -euo pipefail"
  declare -p AWS_CLI REGION DB_SECRET_ARN RUN_DIR APP_UID
  declare -f secret json_field write_db_password
  echo "sudo() { \"\$@\"; }"
  echo "for try in 1 2 3 4 5 6; do"
  echo "  if write_db_password; then exit 0; fi"
  echo "  echo \"taskflow-db-password: could not write the password file (try \$try of 6)\" >&2"
  echo "  if [ \"\$try\" -lt 6 ]; then sleep 10; fi"
  echo "done"
  echo "exit 1"
} | sudo tee "$SBIN_DIR/taskflow-db-password" >/dev/null
sudo chmod 0700 "$SBIN_DIR/taskflow-db-password"
# Wanted by docker.service and ordered before it: at boot, dockerd (which restarts the app's container) starts
# only once the file is written or the tries are spent. Wanted, not required: node_exporter still starts.
printf '%s\n' "[Unit]" "Description=Write TaskFlow's database password from Secrets Manager" \
  "Wants=network-online.target" "After=network-online.target" "Before=docker.service" \
  "[Service]" "Type=oneshot" "ExecStart=$SBIN_DIR/taskflow-db-password" "TimeoutStartSec=180" \
  "[Install]" "WantedBy=docker.service" |
  sudo tee "$SYSTEMD_DIR/taskflow-db-password.service" >/dev/null
printf '%s\n' "[Unit]" "Description=Refresh TaskFlow's database password at boot and every 5 minutes" \
  "[Timer]" "OnBootSec=0" "OnUnitActiveSec=5min" "[Install]" "WantedBy=timers.target" |
  sudo tee "$SYSTEMD_DIR/taskflow-db-password.timer" >/dev/null
sudo systemctl daemon-reload
sudo systemctl enable taskflow-db-password.service >/dev/null
sudo systemctl enable --now taskflow-db-password.timer >/dev/null

log "logging in to ECR"
"$AWS_CLI" ecr get-login-password --region "$REGION" |
  sudo docker login --username AWS --password-stdin "${IMAGE%%/*}" >/dev/null

log_opts() {
  printf '%s\n' --log-driver "$LOG_DRIVER"
  if [ "$LOG_DRIVER" = awslogs ]; then
    printf '%s\n' --log-opt "awslogs-region=$REGION" --log-opt "awslogs-group=$LOG_GROUP" \
      --log-opt "awslogs-stream=$1-$(hostname)"
  fi
}

log "starting node_exporter ($NODE_EXPORTER_IMAGE)"
sudo docker rm -f node-exporter >/dev/null 2>&1 || true
sudo docker run -d --name node-exporter --restart unless-stopped --network host --pid host \
  -v /:/host:ro,rslave "$NODE_EXPORTER_IMAGE" --path.rootfs=/host "--web.listen-address=:$NODE_EXPORTER_PORT" >/dev/null

log "starting taskflow ($IMAGE)"
sudo docker rm -f taskflow >/dev/null 2>&1 || true
mapfile -t logging < <(log_opts taskflow)
sudo docker run -d --name taskflow --restart unless-stopped --env-file "$SECRETS_DIR/app.env" \
  -v "$RUN_DIR:/run/taskflow:ro" -p "$PORT:$PORT" -p "$METRICS_PORT:$METRICS_PORT" "${logging[@]}" \
  "$IMAGE" >/dev/null

for _ in $(seq 1 "$HEALTH_TRIES"); do
  if curl -fsS "http://127.0.0.1:$PORT$HEALTH_PATH" >/dev/null 2>&1; then
    log "taskflow is healthy"
    exit 0
  fi
  sleep 2
done
echo "taskflow did not become healthy; last log lines:" >&2
sudo docker logs --tail 50 taskflow >&2 || true
exit 1
