# Apache Airflow, for the exported-DAG test: not a server, a venv of its own (Airflow pins much of its dependency
# tree, so it does not share the project venv). Installed from PyPI with our pinned constraints
# (scripts/services/airflow-constraints.txt: the resolved set for Airflow 2.10.5 on Python 3.11, since the upstream
# constraints files live on GitHub, which is not reachable here). Wheels are cached in $CACHE/pip, the venv itself in
# $CACHE/airflow-<version>-py311, so a fresh clone reuses both. Tests run `airflow` with their own AIRFLOW_HOME.
# Sourced by services.sh.
ORDER_airflow=60
AIRFLOW_VERSION=2.10.5
AIRFLOW_CACHE="${FRAUDOPS_CACHE_DIR:-$HOME/.cache/fraudops}"
AIRFLOW_VENV="$AIRFLOW_CACHE/airflow-$AIRFLOW_VERSION-py311"
AIRFLOW_CONSTRAINTS="$ROOT/scripts/services/airflow-constraints.txt"

airflow_python() {
  local p
  for p in python3.11 "$HOME/.pyenv/versions/3.11"*/bin/python3.11; do
    if command -v "$p" >/dev/null 2>&1; then command -v "$p"; return 0; fi
  done
  return 1
}

airflow_up() {
  [ -f "$AIRFLOW_VENV/.complete" ] && return 0
  local py; py="$(airflow_python)" || { log "Airflow needs Python 3.11"; return 1; }
  log "installing Apache Airflow $AIRFLOW_VERSION into $AIRFLOW_VENV (pip cache $AIRFLOW_CACHE/pip)"
  rm -rf "$AIRFLOW_VENV"
  "$py" -m venv "$AIRFLOW_VENV"
  PIP_CACHE_DIR="$AIRFLOW_CACHE/pip" "$AIRFLOW_VENV/bin/pip" install -q --disable-pip-version-check \
    "apache-airflow==$AIRFLOW_VERSION" -c "$AIRFLOW_CONSTRAINTS" >&2
  touch "$AIRFLOW_VENV/.complete"
}

airflow_down() { :; }

airflow_status() {
  if [ -f "$AIRFLOW_VENV/.complete" ]; then echo "installed $AIRFLOW_VENV (Airflow $AIRFLOW_VERSION)"; else echo "not installed"; return 1; fi
}

airflow_env() {
  echo "export FRAUDOPS_TEST_AIRFLOW_VENV=$AIRFLOW_VENV"
}
