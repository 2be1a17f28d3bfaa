# Go-built tools the delivery tests run: helm and actionlint (`go install` from the Go module proxy) and the
# manifest checker in deploy/checker (built against k8s.io/api and KEDA's apis, also through the proxy).
# Not a server: `up` installs what is missing, `env` says where the binaries are. Binaries are cached under
# ${FRAUDOPS_CACHE_DIR:-$HOME/.cache/fraudops}/go-tools, keyed by version (the checker by a hash of its source),
# so a fresh clone reuses them. Sourced by scripts/services.sh; also runs on its own:
#   bash scripts/services/tools.sh path helm|actionlint|manifestcheck   install if missing, print the binary's path
ORDER_tools=5
TOOLS_HELM_MODULE=helm.sh/helm/v3/cmd/helm
TOOLS_HELM_VERSION=v3.22.0
TOOLS_ACTIONLINT_MODULE=github.com/rhysd/actionlint/cmd/actionlint
TOOLS_ACTIONLINT_VERSION=v1.7.12
TOOLS_DIR="${FRAUDOPS_CACHE_DIR:-$HOME/.cache/fraudops}/go-tools"
TOOLS_ROOT="${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
TOOLS_CHECKER_SRC="$TOOLS_ROOT/deploy/checker"

tools_checker_hash() {
  (cd "$TOOLS_CHECKER_SRC" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) | LC_ALL=C sort |
    xargs sha256sum) | sha256sum | cut -c1-16
}

# tools_bin NAME: where NAME's binary lives (whether or not it is installed yet).
tools_bin() {
  case "$1" in
    helm) echo "$TOOLS_DIR/helm-$TOOLS_HELM_VERSION/helm" ;;
    actionlint) echo "$TOOLS_DIR/actionlint-$TOOLS_ACTIONLINT_VERSION/actionlint" ;;
    manifestcheck) echo "$TOOLS_DIR/manifestcheck-$(tools_checker_hash)/manifestcheck" ;;
    *) echo "unknown tool '$1' (helm, actionlint, manifestcheck)" >&2; return 2 ;;
  esac
}

# tools_install NAME: builds NAME unless its binary is cached. One builder at a time (flock), and the binary
# appears only by rename once complete, so concurrent test files never see half a file.
tools_install() {
  local name=$1 bin dir tmp
  bin="$(tools_bin "$name")" || return
  [ -x "$bin" ] && return 0
  command -v go >/dev/null || { echo "tools: Go is needed to build $name (https://go.dev/dl/)" >&2; return 1; }
  dir="$(dirname "$bin")"
  mkdir -p "$TOOLS_DIR"
  (
    flock 9
    [ -x "$bin" ] && exit 0
    tmp="$(mktemp -d "$TOOLS_DIR/.build-$name.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    echo "[services] tools: building $name into $dir" >&2
    case "$name" in
      helm) GOBIN="$tmp" go install "$TOOLS_HELM_MODULE@$TOOLS_HELM_VERSION" >&2 ;;
      actionlint) GOBIN="$tmp" go install "$TOOLS_ACTIONLINT_MODULE@$TOOLS_ACTIONLINT_VERSION" >&2 ;;
      manifestcheck) (cd "$TOOLS_CHECKER_SRC" && go build -mod=readonly -o "$tmp/manifestcheck" .) >&2 ;;
    esac
    mkdir -p "$dir"
    mv "$tmp/$name" "$bin"
  ) 9>"$TOOLS_DIR/.lock-$name"
  [ -x "$bin" ]
}

tools_up() {
  local t
  for t in helm actionlint manifestcheck; do tools_install "$t"; done
}

tools_down() { :; }

tools_status() {
  local t missing=()
  for t in helm actionlint manifestcheck; do [ -x "$(tools_bin "$t")" ] || missing+=("$t"); done
  if [ ${#missing[@]} -eq 0 ]; then echo "installed in $TOOLS_DIR"; else echo "missing: ${missing[*]}"; fi
}

tools_env() {
  local t
  for t in helm actionlint manifestcheck; do
    if [ -x "$(tools_bin "$t")" ]; then echo "export FRAUDOPS_$(echo "$t" | tr '[:lower:]' '[:upper:]')=$(tools_bin "$t")"; fi
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    path) [ $# -eq 2 ] || { echo "usage: $0 path helm|actionlint|manifestcheck" >&2; exit 2; }
          tools_install "$2"; tools_bin "$2" ;;
    *) echo "usage: $0 path helm|actionlint|manifestcheck" >&2; exit 2 ;;
  esac
fi
