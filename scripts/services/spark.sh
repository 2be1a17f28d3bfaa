# Spark Connect server: Spark 4 in local[2] mode on 127.0.0.1:15002, Java 17, with hadoop-aws (s3a:// against the
# local S3 server, s3.sh) and delta-spark. Jars come from Maven Central into ${FRAUDOPS_CACHE_DIR:-~/.cache/fraudops}
# (resolved by Maven the first time); the launch itself lives in src/engine/spark/localServer.ts, shared with the
# spark-local cluster provider. Clients must send the token kept in $STATE/spark/token.
# Sourced by services.sh.
ORDER_spark=40
SPARK_PORT="${FRAUDOPS_SPARK_PORT:-15002}"
SPARK_S3_ENDPOINT="${FRAUDOPS_TEST_S3_ENDPOINT:-http://127.0.0.1:${FRAUDOPS_S3_PORT:-9090}}"

spark_tsx() { (cd "$ROOT" && node_modules/.bin/tsx scripts/services/spark-server.ts "$@"); }

spark_token() {
  mkdir -p "$STATE/spark"
  [ -s "$STATE/spark/token" ] || od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$STATE/spark/token"
  cat "$STATE/spark/token"
}

spark_up() {
  # delta-rs (Python), the second Delta reader the lake's tests check against Spark's.
  py_need deltalake "deltalake==1.6.6"
  if pid_alive spark && port_open 127.0.0.1 "$SPARK_PORT"; then
    log "spark already up on 127.0.0.1:$SPARK_PORT"; return 0
  fi
  if port_open 127.0.0.1 "$SPARK_PORT"; then
    log "port $SPARK_PORT is taken by a process we did not start; stop it or set FRAUDOPS_SPARK_PORT"; return 1
  fi
  if [ ! -x "$ROOT/node_modules/.bin/tsx" ]; then log "spark needs node_modules: run npm ci first"; return 1; fi
  command -v mvn >/dev/null || { log "spark needs Maven (mvn) to fetch its jars"; return 1; }
  spark_tsx install
  log "starting Spark Connect on 127.0.0.1:$SPARK_PORT (logs in $STATE/spark/logs)"
  local pid
  pid="$(spark_tsx start --state "$STATE/spark" --port "$SPARK_PORT" --token "$(spark_token)" --s3-endpoint "$SPARK_S3_ENDPOINT")"
  echo "$pid" > "$STATE/run/spark.pid"
}

spark_down() {
  local f="$STATE/run/spark.pid" i
  [ -f "$f" ] || return 0
  local pid; pid="$(cat "$f")"
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
  for ((i = 0; i < 50; i++)); do port_open 127.0.0.1 "$SPARK_PORT" || break; sleep 0.2; done
}

spark_status() {
  if pid_alive spark && port_open 127.0.0.1 "$SPARK_PORT"; then
    echo "up sc://127.0.0.1:$SPARK_PORT (pid $(cat "$STATE/run/spark.pid"))"
  else
    echo down
  fi
}

spark_env() {
  [ -s "$STATE/spark/token" ] || return 0
  echo "export FRAUDOPS_TEST_SPARK_URI='sc://127.0.0.1:$SPARK_PORT/;token=$(cat "$STATE/spark/token")'"
}
