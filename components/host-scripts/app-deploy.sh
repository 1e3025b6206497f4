#!/usr/bin/env bash
# Run TaskFlow by image digest, switching to a new container without refusing a request.
# Secrets arrive on stdin (KEY=value lines), never on the command line: the service's environment, and the edge's
# TLS certificate and key as TLS_CERT_B64 / TLS_KEY_B64 (base64 PEM, one line each). With them the public port
# speaks only TLS; a new certificate alone reloads the edge and leaves the container as it is.
#
# Two slots (blue, green) run the service on loopback ports; an edge (nginx, on the host network) holds the
# public ports and proxies to the live slot, passing the client's address (the service trusts loopback
# proxies for it: per-client rate limits still work). What runs is identified by a fingerprint of everything
# the container is created from (image, settings and secrets), kept as a container label: a new digest, a
# rotated token or a changed setting rolls out; the same inputs change nothing. A rollout:
#   1. starts the new container in the idle slot and gates it on the health path (a broken image or config fails
#      here, while the live slot keeps serving);
#   2. points the edge at the new slot and reloads it gracefully (nginx keeps its listening sockets and lets its
#      old workers finish their requests), then checks through the public port that the new slot answers;
#      if it does not, the edge is pointed back and the new container removed;
#   3. stops the old slot (SIGTERM: it drains what it still serves).
# Any failure fails the step with the new container's last log lines.
set -euo pipefail
# shellcheck source=common.sh
source /tmp/observed-app/common.sh

: "${IMAGE:?}" "${REGION:?}" "${LOG_GROUP:?}" "${PORT:?}" "${METRICS_PORT:?}" "${FAULT_INJECTION:?}" "${EDGE_IMAGE:?}"
# From the contract (monitoring-config/contract.ts): the path the service answers its health check on.
: "${HEALTH_PATH:?}"
HEALTH_TRIES=${HEALTH_TRIES:-60}
# Overridable only for the rehearsal (no /etc, /srv or AWS there): where data, secrets and the edge's config
# live, the log driver (awslogs needs AWS: the rehearsal uses json-file), the address the public ports bind to,
# and the first of the slots' loopback ports.
DATA_DIR=${DATA_DIR:-/srv/taskflow/data}
SECRETS_DIR=${SECRETS_DIR:-/etc/taskflow}
EDGE_DIR=${EDGE_DIR:-/opt/taskflow-edge}
LOG_DRIVER=${LOG_DRIVER:-awslogs}
BIND_ADDRESS=${BIND_ADDRESS:-}
SLOT_PORT_BASE=${SLOT_PORT_BASE:-13000}
SECRETS=$SECRETS_DIR/secrets.env
EDGE_CONF=$EDGE_DIR/taskflow.conf
# The edge reads these as root when it (re)loads; the container sees them at /etc/nginx/conf.d/tls.
TLS_DIR=$EDGE_DIR/tls

sudo install -d -m 0700 "$SECRETS_DIR"
sudo install -d -m 0755 "$EDGE_DIR"
sudo install -d -m 0700 "$TLS_DIR"
umask 077
sudo tee "$SECRETS_DIR/stdin.next" >/dev/null
# The service's environment is every line but the edge's certificate and key.
sudo sed '/^TLS_/d' "$SECRETS_DIR/stdin.next" | sudo tee "$SECRETS.next" >/dev/null
sudo chmod 0600 "$SECRETS.next"
TLS=""
if sudo grep -q '^TLS_CERT_B64=' "$SECRETS_DIR/stdin.next"; then
  TLS=1
  for part in CERT:server.crt KEY:server.key; do
    sudo sed -n "s/^TLS_${part%%:*}_B64=//p" "$SECRETS_DIR/stdin.next" | base64 -d |
      sudo tee "$TLS_DIR/${part#*:}.next" >/dev/null
  done
fi
sudo rm -f "$SECRETS_DIR/stdin.next"
SCHEME=http
if [ -n "$TLS" ]; then SCHEME=https; fi

fingerprint=$(
  {
    printf '%s\n' "$IMAGE" "$PORT" "$METRICS_PORT" "$FAULT_INJECTION" "$REGION" "$LOG_GROUP"
    sudo cat "$SECRETS.next"
  } | sha256sum | cut -c1-64
)

# The slots' loopback ports: "<app> <metrics>".
slot_ports() {
  case $1 in
    blue) echo "$((SLOT_PORT_BASE + 1)) $((SLOT_PORT_BASE + 2))" ;;
    green) echo "$((SLOT_PORT_BASE + 11)) $((SLOT_PORT_BASE + 12))" ;;
  esac
}
running() { [ "$(sudo docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null || true)" = true ]; }
# The slot the edge answers from on the public port ("" when none does). Over TLS the edge must present the
# installed certificate (it names 127.0.0.1), so a reload that kept an old one does not count.
edge_slot() {
  local tls_args=()
  if [ -n "$TLS" ]; then tls_args=(--cacert "$TLS_DIR/server.crt"); fi
  sudo curl -fsS "${tls_args[@]}" -o /dev/null -D - "$SCHEME://127.0.0.1:$PORT$HEALTH_PATH" 2>/dev/null |
    tr -d '\r' | sed -n 's/^[Xx]-[Tt]ask[Ff]low-[Ss]lot: //p'
}
# Wait until the edge answers from slot $1.
edge_serves() {
  for _ in $(seq 1 "$HEALTH_TRIES"); do
    if [ "$(edge_slot)" = "$1" ]; then return 0; fi
    sleep 1
  done
  return 1
}
# The certificate and key from stdin differ from the installed ones.
tls_changed() {
  [ -n "$TLS" ] || return 1
  ! { sudo cmp -s "$TLS_DIR/server.crt.next" "$TLS_DIR/server.crt" && sudo cmp -s "$TLS_DIR/server.key.next" "$TLS_DIR/server.key"; }
}
# Install the new certificate and key, keeping the previous ones (restore_tls puts them back).
install_tls() {
  [ -n "$TLS" ] || return 0
  for f in server.crt server.key; do
    if sudo test -f "$TLS_DIR/$f"; then sudo cp -p "$TLS_DIR/$f" "$TLS_DIR/$f.prev"; fi
    sudo mv "$TLS_DIR/$f.next" "$TLS_DIR/$f"
  done
}
# Remove the certificate files ending in $1 (the directory is root's: the glob is expanded as root).
drop_tls() { sudo find "$TLS_DIR" -maxdepth 1 -name "*$1" -delete; }
# What this run received and did not put in place.
discard_inputs() { sudo rm -f "$SECRETS.next" && drop_tls .next; }
# Point the edge at slot $1 with the certificate from stdin (previous_conf keeps what it had).
edge_point() {
  previous_conf=$(sudo cat "$EDGE_CONF" 2>/dev/null || true)
  install_tls
  edge_conf "$1" | sudo tee "$EDGE_CONF" >/dev/null
}
# Put the edge back as it was before edge_point: the previous certificate and configuration, reloaded.
edge_restore() {
  for f in server.crt server.key; do
    if sudo test -f "$TLS_DIR/$f.prev"; then sudo mv "$TLS_DIR/$f.prev" "$TLS_DIR/$f"; fi
  done
  if [ -n "$previous_conf" ]; then
    printf '%s\n' "$previous_conf" | sudo tee "$EDGE_CONF" >/dev/null
    sudo docker kill -s HUP taskflow-edge >/dev/null 2>&1 || true
  fi
}
healthy() {
  local url=$1
  for _ in $(seq 1 "$HEALTH_TRIES"); do
    if curl -fsS "$url" >/dev/null 2>&1; then return 0; fi
    sleep 2
  done
  return 1
}
# Fail the step with a container's last log lines, after removing it.
fail_with_logs() {
  local name=$1 why=$2
  echo "$why; last log lines of $name:" >&2
  sudo docker logs --tail 50 "$name" >&2 || true
  sudo docker rm -f "$name" >/dev/null 2>&1 || true
  discard_inputs
  exit 1
}
log_opts() {
  printf '%s\n' --log-driver "$LOG_DRIVER"
  if [ "$LOG_DRIVER" = awslogs ]; then
    printf '%s\n' --log-opt "awslogs-region=$REGION" --log-opt "awslogs-group=$LOG_GROUP" \
      --log-opt "awslogs-stream=$1-$(hostname)"
  fi
}
# The edge's server blocks: the public port to the slot's app port, the metrics port to its metrics port.
edge_conf() {
  local slot=$1 app metrics listen=${BIND_ADDRESS:+$BIND_ADDRESS:}
  read -r app metrics < <(slot_ports "$slot")
  echo "# Written by app-deploy.sh: the live slot is $slot."
  if [ -n "$TLS" ]; then
    cat <<EOF
server {
  listen $listen$PORT ssl;
  ssl_certificate /etc/nginx/conf.d/tls/server.crt;
  ssl_certificate_key /etc/nginx/conf.d/tls/server.key;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache shared:taskflow:1m;
EOF
  else
    echo "server {"
    echo "  listen $listen$PORT;"
  fi
  cat <<EOF
  location / {
    proxy_pass http://127.0.0.1:$app;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$host;
    proxy_set_header X-Forwarded-For \$remote_addr;
    proxy_set_header X-Request-Id \$http_x_request_id;
    proxy_next_upstream off;
    add_header X-TaskFlow-Slot $slot always;
  }
}
server {
  listen $listen$METRICS_PORT;
  location / {
    proxy_pass http://127.0.0.1:$metrics;
    proxy_set_header X-Forwarded-For \$remote_addr;
  }
}
EOF
}

live=$(sudo cat "$EDGE_DIR/live" 2>/dev/null || true)
if [ -n "$live" ] && running "taskflow-$live" && running taskflow-edge &&
  [ "$(sudo docker inspect -f '{{index .Config.Labels "observed-app.fingerprint"}}' "taskflow-$live" 2>/dev/null || true)" = "$fingerprint" ] &&
  [ "$(sudo docker inspect -f '{{.Config.Image}}' taskflow-edge 2>/dev/null || true)" = "$EDGE_IMAGE" ]; then
  # The container is what it should be. A new certificate (or edge configuration) only reloads the edge.
  if tls_changed || [ "$(edge_conf "$live")" != "$(sudo cat "$EDGE_CONF" 2>/dev/null || true)" ]; then
    edge_point "$live"
    if ! sudo docker exec taskflow-edge nginx -t -q || ! sudo docker kill -s HUP taskflow-edge >/dev/null ||
      ! edge_serves "$live"; then
      edge_restore
      discard_inputs
      echo "the edge did not take its new certificate or configuration; the previous ones are back" >&2
      exit 1
    fi
    log "edge reloaded with its new certificate or configuration (slot $live)"
  fi
  if [ "$(edge_slot)" = "$live" ]; then
    sudo mv "$SECRETS.next" "$SECRETS"
    drop_tls .next && drop_tls .prev
    log "taskflow already runs $IMAGE with these settings (slot $live)"
    exit 0
  fi
fi

registry=${IMAGE%%/*}
aws ecr get-login-password --region "$REGION" | sudo docker login --username AWS --password-stdin "$registry" >/dev/null
log "deploying $IMAGE"
sudo docker pull -q "$IMAGE" >/dev/null

# 1. The new container in the idle slot, beside the live one.
next=blue
if [ "$live" = blue ]; then next=green; fi
read -r app_port metrics_port < <(slot_ports "$next")
sudo docker rm -f "taskflow-$next" >/dev/null 2>&1 || true
mapfile -t logging < <(log_opts "taskflow-$next")
sudo docker run -d --name "taskflow-$next" --restart unless-stopped --network host \
  --label "observed-app.fingerprint=$fingerprint" \
  -v "$DATA_DIR:/data" \
  --env-file "$SECRETS.next" \
  -e HOST=127.0.0.1 -e PORT="$app_port" -e METRICS_PORT="$metrics_port" -e TRUST_PROXY=loopback \
  -e FAULT_INJECTION="$FAULT_INJECTION" \
  "${logging[@]}" "$IMAGE" >/dev/null
healthy "http://127.0.0.1:$app_port$HEALTH_PATH" ||
  fail_with_logs "taskflow-$next" "the new container did not pass $HEALTH_PATH (the serving one is untouched)"

# 2. The edge to the new slot (with the new certificate): a graceful reload, or the edge's first start (or a new
# edge image).
edge_point "$next"
if running taskflow-edge && [ "$(sudo docker inspect -f '{{.Config.Image}}' taskflow-edge)" = "$EDGE_IMAGE" ]; then
  if ! sudo docker exec taskflow-edge nginx -t -q; then
    edge_restore
    fail_with_logs "taskflow-$next" "the edge refused its new configuration (the serving slot is untouched)"
  fi
  sudo docker kill -s HUP taskflow-edge >/dev/null
else
  sudo docker pull -q "$EDGE_IMAGE" >/dev/null 2>&1 || true
  # A container of the single-container layout (before slots) holds the public ports: it steps aside first.
  sudo docker rm -f taskflow taskflow-edge >/dev/null 2>&1 || true
  mapfile -t logging < <(log_opts taskflow-edge)
  sudo docker run -d --name taskflow-edge --restart unless-stopped --network host \
    -v "$EDGE_DIR:/etc/nginx/conf.d:ro" "${logging[@]}" "$EDGE_IMAGE" >/dev/null
fi
if ! edge_serves "$next"; then
  echo "the edge does not answer from the new slot $next; pointing it back" >&2
  edge_restore
  sudo docker logs --tail 20 taskflow-edge >&2 || true
  fail_with_logs "taskflow-$next" "the switch to slot $next failed"
fi
echo "$next" | sudo tee "$EDGE_DIR/live" >/dev/null

# 3. The old slot drains and goes (nginx's old workers have finished with it: the edge answers from the new one).
if [ -n "$live" ] && [ "$live" != "$next" ]; then
  sudo docker stop -t 15 "taskflow-$live" >/dev/null 2>&1 || true
  sudo docker rm -f "taskflow-$live" >/dev/null 2>&1 || true
fi
sudo mv "$SECRETS.next" "$SECRETS"
drop_tls .prev
log "healthy: $IMAGE (slot $next)"
