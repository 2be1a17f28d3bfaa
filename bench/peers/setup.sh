#!/usr/bin/env bash
# Installs the peers the benchmarks compare against, idempotently: PySpark in the project's Python venv
# (.services/py, shared with the services runner) and GNU time for peak-RSS measurement.
#   bench/peers/setup.sh          install what is missing, then print the PySpark version
#   bench/peers/setup.sh connect  PySpark's Spark Connect client (pyspark-client, the server's version) in a venv of
#                                 its own (py-connect: it cannot share a venv with the classic PySpark), then print it
# PYSPARK_VERSION overrides the pin. An already-installed PySpark of another version is kept (other parts of the
# project share the venv); the bench reports whichever version ran.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export STATE="${FRAUDOPS_SERVICES_DIR:-$ROOT/.services}"
mkdir -p "$STATE/logs"
# shellcheck source=../../scripts/services/common.sh
source "$ROOT/scripts/services/common.sh"

# 3.5 is the long-term-support line the course targets; it runs on the installed Java 17.
PYSPARK_VERSION="${PYSPARK_VERSION:-3.5.9}"

if ! command -v java >/dev/null 2>&1; then
  log "java not found: PySpark needs a JDK (17 is known to work); e.g. apt-get install -y openjdk-17-jre-headless"
  exit 1
fi
if [ ! -x /usr/bin/time ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  log "installing GNU time"
  apt-get install -y -q time >&2 || (apt-get update -q >&2 && apt-get install -y -q time >&2) || log "GNU time unavailable; RSS falls back to /proc polling"
fi
if [ "${1:-}" = connect ]; then
  CONNECT_VERSION="${PYSPARK_CONNECT_VERSION:-4.0.1}"
  CONNECT_DIR="$STATE/py-connect"
  if [ ! -x "$CONNECT_DIR/bin/python" ]; then
    log "creating Python venv at $CONNECT_DIR"
    python3 -m venv "$CONNECT_DIR"
  fi
  if ! "$CONNECT_DIR/bin/python" -c 'import pyspark.sql.connect.session' 2>/dev/null; then
    log "pip install pyspark-client==$CONNECT_VERSION"
    "$CONNECT_DIR/bin/pip" install -q "pyspark-client==$CONNECT_VERSION" >&2
  fi
  "$CONNECT_DIR/bin/python" -c 'import pyspark; print(pyspark.__version__)'
  exit 0
fi
py_need pyspark "pyspark==$PYSPARK_VERSION"
"$PYENV_DIR/bin/python" -c 'import pyspark; print(pyspark.__version__)'
