# Helpers shared by the service scripts. Sourced, not run.
log() { printf '[services] %s\n' "$*" >&2; }

# wait_port HOST PORT SECONDS: block until a TCP port accepts connections.
wait_port() {
  local host=$1 port=$2 secs=${3:-60} i
  for ((i=0; i<secs*5; i++)); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  log "timed out waiting for $host:$port"; return 1
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# pidfile helpers
pid_alive() { local f="$STATE/run/$1.pid"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }
pid_stop() {
  local f="$STATE/run/$1.pid"
  if [ -f "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; fi
}

# The project's Python environment (mlflow, pyspark, scipy, ... are installed here by the services that need them).
PYENV_DIR="$STATE/py"
py_env() {
  if [ ! -x "$PYENV_DIR/bin/python" ]; then
    log "creating Python venv at $PYENV_DIR"
    python3 -m venv --system-site-packages "$PYENV_DIR"
  fi
}
# py_need MODULE PIPSPEC...: install PIPSPEC into the venv unless MODULE already imports.
py_need() {
  local mod=$1; shift
  py_env
  if ! "$PYENV_DIR/bin/python" -c "import $mod" 2>/dev/null; then
    log "pip install $*"
    "$PYENV_DIR/bin/pip" install -q "$@" >&2
  fi
}

# Every service appends its variables through services_env_<name>; this prints them all.
services_env() {
  local n
  for n in "${ALL[@]}"; do
    if declare -F "${n}_env" >/dev/null; then "${n}_env"; fi
  done
}
