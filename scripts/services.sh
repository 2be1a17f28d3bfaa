#!/usr/bin/env bash
# Installs and starts, idempotently and on loopback only, every real service the tests need.
#   scripts/services.sh up [name...]     install (first time) and start; waits until each answers
#   scripts/services.sh down [name...]   stop
#   scripts/services.sh status           one line per service
#   scripts/services.sh env              print the environment variables the tests use (eval-able)
# Each service lives in scripts/services/<name>.sh and defines <name>_up, <name>_down, <name>_status.
# State (data dirs, logs, pids, the Python venv) goes under .services/ in the repository root.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export STATE="${FRAUDOPS_SERVICES_DIR:-$ROOT/.services}"
mkdir -p "$STATE/logs" "$STATE/run"
# shellcheck source=scripts/services/common.sh
source "$ROOT/scripts/services/common.sh"

ALL=()
for f in "$ROOT"/scripts/services/*.sh; do
  name="$(basename "$f" .sh)"
  [ "$name" = common ] && continue
  # shellcheck disable=SC1090
  source "$f"
  ALL+=("$name")
done
# Start order matters (postgres before mlflow); services declare ORDER_<name>, lower first.
mapfile -t ALL < <(for n in "${ALL[@]}"; do v="ORDER_$n"; echo "${!v:-50} $n"; done | sort -n | awk '{print $2}')

cmd="${1:-up}"; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")

case "$cmd" in
  up)     for n in "${targets[@]}"; do log "== $n"; "${n}_up"; done; services_env > "$STATE/env" ;;
  down)   for ((i=${#targets[@]}-1; i>=0; i--)); do "${targets[i]}_down" || true; done ;;
  status) for n in "${targets[@]}"; do printf '%-10s %s\n' "$n" "$("${n}_status" 2>/dev/null || echo down)"; done ;;
  env)    services_env ;;
  *) echo "usage: $0 up|down|status|env [service...]" >&2; exit 2 ;;
esac
