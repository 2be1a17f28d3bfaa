# MLflow tracking servers, both with their backend store in our PostgreSQL (postgres.sh) and artifacts on the
# local S3 server (s3.sh):
#   - 127.0.0.1:5050 proxies artifacts (bucket s3://mlflow-artifacts) through /api/2.0/mlflow-artifacts/..., so
#     clients never need S3 credentials;
#   - 127.0.0.1:5051 runs with --no-serve-artifacts and an s3://mlflow-direct default artifact root (database
#     mlflow_direct), so clients write artifacts straight to S3, as with a server that does not proxy them.
# Loopback only. Sourced by services.sh.
ORDER_mlflow=60
MLFLOW_VERSION=3.17.2
MLFLOW_PORT="${FRAUDOPS_MLFLOW_PORT:-5050}"
MLFLOW_BUCKET=mlflow-artifacts
MLFLOW_S3_ENDPOINT="${FRAUDOPS_TEST_S3_ENDPOINT:-http://127.0.0.1:${FRAUDOPS_S3_PORT:-9090}}"
MLFLOW_LOG="$STATE/logs/mlflow.log"
MLFLOW_DIRECT_PORT="${FRAUDOPS_MLFLOW_DIRECT_PORT:-5051}"
MLFLOW_DIRECT_BUCKET=mlflow-direct
MLFLOW_DIRECT_DB=mlflow_direct
MLFLOW_DIRECT_LOG="$STATE/logs/mlflow-direct.log"

mlflow_install() {
  py_env
  # Version from the package metadata: importing mlflow itself takes seconds.
  if ! "$PYENV_DIR/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('mlflow') != '$MLFLOW_VERSION')" 2>/dev/null; then
    log "pip install mlflow==$MLFLOW_VERSION"
    "$PYENV_DIR/bin/pip" install -q "mlflow==$MLFLOW_VERSION" >&2
  fi
  py_need psycopg2 psycopg2-binary==2.9.13
  py_need boto3 boto3==1.43.11
}

# The S3 variables MLflow's artifact proxy (boto3) needs.
mlflow_s3_env() {
  echo "MLFLOW_S3_ENDPOINT_URL=$MLFLOW_S3_ENDPOINT" "AWS_ACCESS_KEY_ID=test" "AWS_SECRET_ACCESS_KEY=test" \
    "AWS_DEFAULT_REGION=us-east-1"
}

mlflow_create_bucket() {
  # shellcheck disable=SC2046
  env $(mlflow_s3_env) "$PYENV_DIR/bin/python" - "$1" <<'PY'
import os, sys, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["MLFLOW_S3_ENDPOINT_URL"])
names = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
if sys.argv[1] not in names:
    s3.create_bucket(Bucket=sys.argv[1])
PY
}

mlflow_healthy() { curl -fsS -m 2 "http://127.0.0.1:${1:-$MLFLOW_PORT}/health" >/dev/null 2>&1; }

# mlflow_start NAME PORT LOG BACKEND_URI ARGS...: start one server in its own process group, wait for /health.
mlflow_start() {
  local name=$1 port=$2 logf=$3 backend=$4; shift 4
  if mlflow_healthy "$port"; then return 0; fi
  pid_stop "$name"
  log "starting MLflow $MLFLOW_VERSION on 127.0.0.1:$port ($name)"
  # setsid: the server forks uvicorn workers; its own process group lets mlflow_down stop them all.
  # Job execution (GenAI evaluation workers, ~2 GB of huey consumers) and telemetry are not needed here.
  # shellcheck disable=SC2046
  env $(mlflow_s3_env) MLFLOW_SERVER_ALLOWED_HOSTS="127.0.0.1:$port,localhost:$port" \
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false MLFLOW_DISABLE_TELEMETRY=true \
    setsid "$PYENV_DIR/bin/mlflow" server --host 127.0.0.1 --port "$port" --workers 1 \
    --backend-store-uri "$backend" "$@" \
    >"$logf" 2>&1 </dev/null &
  echo $! >"$STATE/run/$name.pid"
  local i
  for ((i = 0; i < 240; i++)); do
    if mlflow_healthy "$port"; then return 0; fi
    if ! pid_alive "$name"; then log "MLflow ($name) exited; see $logf"; tail -n 20 "$logf" >&2; return 1; fi
    sleep 0.5
  done
  log "MLflow ($name) did not answer /health within 120 s; see $logf"; return 1
}

# The second server's own database, so its experiments (with s3:// artifact roots) never mix with the first's.
mlflow_direct_db() {
  if [ "$(pg_psql -c "SELECT 1 FROM pg_database WHERE datname='$MLFLOW_DIRECT_DB'")" != 1 ]; then
    pg_psql -c "CREATE DATABASE $MLFLOW_DIRECT_DB OWNER $PG_APP_ROLE"
  fi
  postgres_uri postgresql+psycopg2 | sed "s#/[^/]*\$#/$MLFLOW_DIRECT_DB#"
}

mlflow_up() {
  # Dependencies first, so `services.sh up mlflow` alone works too.
  declare -F postgres_up >/dev/null && postgres_up
  local s3host=${MLFLOW_S3_ENDPOINT#http://}; s3host=${s3host%%/*}
  if ! port_open "${s3host%:*}" "${s3host#*:}"; then
    if declare -F s3_up >/dev/null; then s3_up
    else log "no S3 server at $MLFLOW_S3_ENDPOINT and no s3 service defined"; return 1; fi
  fi
  mlflow_install
  # Every time, even with MLflow already up: the S3 server may keep buckets in memory and have restarted.
  mlflow_create_bucket "$MLFLOW_BUCKET"
  mlflow_create_bucket "$MLFLOW_DIRECT_BUCKET"
  mlflow_start mlflow "$MLFLOW_PORT" "$MLFLOW_LOG" "$(postgres_uri postgresql+psycopg2)" \
    --artifacts-destination "s3://$MLFLOW_BUCKET/" --serve-artifacts || return 1
  mlflow_start mlflow-direct "$MLFLOW_DIRECT_PORT" "$MLFLOW_DIRECT_LOG" "$(mlflow_direct_db)" \
    --default-artifact-root "s3://$MLFLOW_DIRECT_BUCKET/" --no-serve-artifacts
}

mlflow_down() {
  local name f pid i
  for name in mlflow-direct mlflow; do
    f="$STATE/run/$name.pid"
    [ -f "$f" ] || continue
    pid="$(cat "$f")"
    # The pid leads its own process group (setsid): stop the server and its workers together.
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 -- "-$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 -- "-$pid" 2>/dev/null || true
    rm -f "$f"
  done
}

mlflow_status() {
  local a=down b=down
  if mlflow_healthy "$MLFLOW_PORT"; then a="up http://127.0.0.1:$MLFLOW_PORT"; fi
  if mlflow_healthy "$MLFLOW_DIRECT_PORT"; then b="up http://127.0.0.1:$MLFLOW_DIRECT_PORT (no artifact proxy)"; fi
  echo "$a, $b (mlflow $MLFLOW_VERSION)"
}

mlflow_env() {
  echo "export FRAUDOPS_TEST_MLFLOW_URI=http://127.0.0.1:$MLFLOW_PORT"
  echo "export FRAUDOPS_TEST_MLFLOW_DIRECT_URI=http://127.0.0.1:$MLFLOW_DIRECT_PORT"
}
