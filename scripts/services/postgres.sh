# PostgreSQL: MLflow's backend store. Our own cluster in $STATE/pg, listening on 127.0.0.1:5433 only, with its
# unix socket inside $STATE (never /var/run/postgresql), so it never collides with a system cluster.
# When run as root the cluster belongs to the `postgres` OS user (initdb refuses root). Sourced by services.sh.
ORDER_postgres=10
PG_PORT="${FRAUDOPS_PG_PORT:-5433}"
PG_DIR="$STATE/pg"
PG_DATA="$PG_DIR/data"
PG_SOCK="$PG_DIR/sock"
PG_LOG="$STATE/logs/postgres.log"
PG_APP_DB=mlflow
PG_APP_ROLE=mlflow
PG_APP_PASSWORD=mlflow

# Directory with initdb/pg_ctl/psql (newest installed major), or failure.
pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

# Runs a command as the cluster owner.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_install() {
  pg_bindir >/dev/null && return 0
  log "installing PostgreSQL from Debian packages"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  pg_bindir >/dev/null || { log "PostgreSQL binaries not found after install"; return 1; }
}

pg_psql() {
  pg_as_owner "$(pg_bindir)/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

postgres_up() {
  pg_install
  local bin; bin="$(pg_bindir)"
  mkdir -p "$PG_DIR" "$PG_SOCK"
  touch "$PG_LOG"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DIR" "$PG_SOCK" "$PG_LOG"; fi
  chmod 700 "$PG_DIR"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "initdb $PG_DATA"
    pg_as_owner "$bin/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  fi
  if ! pg_as_owner "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    pg_as_owner "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_SOCK" start >/dev/null
  fi
  wait_port 127.0.0.1 "$PG_PORT" 60
  if [ "$(pg_psql -c "SELECT 1 FROM pg_roles WHERE rolname='$PG_APP_ROLE'")" != 1 ]; then
    pg_psql -c "CREATE ROLE $PG_APP_ROLE LOGIN PASSWORD '$PG_APP_PASSWORD'"
  fi
  if [ "$(pg_psql -c "SELECT 1 FROM pg_database WHERE datname='$PG_APP_DB'")" != 1 ]; then
    pg_psql -c "CREATE DATABASE $PG_APP_DB OWNER $PG_APP_ROLE"
  fi
}

postgres_down() {
  local bin; bin="$(pg_bindir)" || return 0
  [ -f "$PG_DATA/PG_VERSION" ] || return 0
  pg_as_owner "$bin/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
}

postgres_status() {
  local bin; bin="$(pg_bindir)" || { echo "not installed"; return 1; }
  if pg_as_owner "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    echo "up 127.0.0.1:$PG_PORT ($("$bin/postgres" --version | awk '{print $3}'))"
  else
    echo down
  fi
}

postgres_uri() { echo "${1:-postgresql}://$PG_APP_ROLE:$PG_APP_PASSWORD@127.0.0.1:$PG_PORT/$PG_APP_DB"; }

postgres_env() {
  echo "export FRAUDOPS_TEST_PG_URI=$(postgres_uri)"
}
