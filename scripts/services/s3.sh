# S3 API test service: moto's standalone server on loopback, in-memory, any credentials accepted.
# Sourced by scripts/services.sh, which provides ROOT, STATE and the helpers from common.sh.
S3_HOST=127.0.0.1
S3_PORT="${FRAUDOPS_S3_PORT:-9090}"
ORDER_s3=10

s3_up() {
  if pid_alive s3 && port_open "$S3_HOST" "$S3_PORT"; then
    log "s3 already up on $S3_HOST:$S3_PORT"; return 0
  fi
  if port_open "$S3_HOST" "$S3_PORT"; then
    log "port $S3_PORT is taken by a process we did not start; stop it or set FRAUDOPS_S3_PORT"; return 1
  fi
  # moto is installed system-wide; the venv sees it (--system-site-packages) and gets the server extras if missing.
  py_need "moto.server, flask, flask_cors" "moto[server]==5.2.1"
  log "starting moto S3 server on $S3_HOST:$S3_PORT"
  nohup "$PYENV_DIR/bin/python" -m moto.server -H "$S3_HOST" -p "$S3_PORT" \
    >>"$STATE/logs/s3.log" 2>&1 </dev/null &
  echo $! > "$STATE/run/s3.pid"
  if ! wait_port "$S3_HOST" "$S3_PORT" 60; then
    log "moto did not come up; see $STATE/logs/s3.log"; pid_stop s3; return 1
  fi
  # The port opens before the WSGI app answers; wait for a real S3 reply (ListBuckets).
  local i
  for ((i = 0; i < 100; i++)); do
    if curl -fsS -o /dev/null "http://$S3_HOST:$S3_PORT/" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  log "moto is listening but not answering; see $STATE/logs/s3.log"; return 1
}

s3_down() { pid_stop s3; }

s3_status() {
  if pid_alive s3 && port_open "$S3_HOST" "$S3_PORT"; then
    echo "up http://$S3_HOST:$S3_PORT (pid $(cat "$STATE/run/s3.pid"))"
  else
    echo down
  fi
}

s3_env() {
  echo "export FRAUDOPS_TEST_S3_ENDPOINT=http://$S3_HOST:$S3_PORT"
  echo "export AWS_ACCESS_KEY_ID=test"
  echo "export AWS_SECRET_ACCESS_KEY=test"
  echo "export AWS_REGION=us-east-1"
}
