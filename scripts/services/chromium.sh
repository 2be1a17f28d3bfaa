# Debian's chromium for the dashboard's browser tests (driven by playwright-core, which downloads no browser).
# Not a server: `up` installs the package when it is missing, `env` says where the binary is.
# Sourced by scripts/services.sh, which provides ROOT, STATE and the helpers from common.sh.
ORDER_chromium=6

chromium_bin() {
  local b
  for b in /usr/bin/chromium /usr/bin/chromium-browser; do [ -x "$b" ] && { echo "$b"; return 0; }; done
  return 1
}

chromium_up() {
  if chromium_bin >/dev/null; then log "chromium already installed at $(chromium_bin)"; return 0; fi
  if ! command -v apt-get >/dev/null; then
    log "chromium is missing and there is no apt-get here; install Chromium and set FRAUDOPS_CHROMIUM to its binary"; return 1
  fi
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  log "installing Debian's chromium (apt-get)"
  # One apt at a time on a shared machine: wait for the dpkg lock instead of failing.
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium >&2
  chromium_bin >/dev/null
}

chromium_down() { :; }

chromium_status() {
  if chromium_bin >/dev/null; then echo "installed $(chromium_bin)"; else echo missing; fi
}

chromium_env() {
  if chromium_bin >/dev/null; then echo "export FRAUDOPS_CHROMIUM=$(chromium_bin)"; fi
}
