# An OCI builder for the image test: buildah from Debian's packages, with vfs storage and chroot isolation (no
# daemon, no privileges beyond root). Not a server: `up` installs it and prepares the base image, `env` says which.
#
# The Dockerfile's base (node:<major>-bookworm-slim, pinned by digest) lives on Docker Hub, which this machine
# cannot reach. The test builds on a local stand-in of the same shape instead, passed as the NODE_IMAGE build
# argument: Debian bookworm (minbase, from the Debian archive with debootstrap), the Node.js binary and npm of
# this machine under /usr/local like the official image, and this machine's CA bundle (its registry traffic
# goes through a TLS proxy). The rootfs is cached under ${FRAUDOPS_CACHE_DIR:-$HOME/.cache/fraudops}/image.
# Sourced by scripts/services.sh; also runs on its own:
#   bash scripts/services/buildah.sh base     install what is missing, print the base image's name
ORDER_buildah=6
BUILDAH_CACHE="${FRAUDOPS_CACHE_DIR:-$HOME/.cache/fraudops}/image"
BUILDAH_SUITE=bookworm

# The builder runs as root (vfs storage under /var/lib/containers); elsewhere, as on CI runners, through sudo.
buildah_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
buildah_cmd() { buildah_root buildah --storage-driver vfs "$@"; }

buildah_base_name() {
  echo "localhost/fraudops-node-base:${BUILDAH_SUITE}-node$(node -p 'process.versions.node')"
}

buildah_install() {
  if command -v buildah >/dev/null && command -v debootstrap >/dev/null && [ -f /usr/share/keyrings/debian-archive-keyring.gpg ]; then return 0; fi
  echo "[services] buildah: installing buildah and debootstrap from the distribution's packages" >&2
  buildah_root apt-get update -qq >&2
  buildah_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah debootstrap debian-archive-keyring >&2
}

# The base image, built once per Node version and kept in buildah's storage.
buildah_base() {
  local name rootfs tar ctr mnt npm_dir
  name="$(buildah_base_name)"
  if buildah_cmd inspect --type image "$name" >/dev/null 2>&1; then return 0; fi
  mkdir -p "$BUILDAH_CACHE"
  tar="$BUILDAH_CACHE/debian-$BUILDAH_SUITE-minbase.tar"
  (
    flock 9
    if [ ! -s "$tar" ]; then
      rootfs="$(mktemp -d "$BUILDAH_CACHE/.rootfs.XXXXXX")"
      echo "[services] buildah: debootstrap $BUILDAH_SUITE (minbase) into $rootfs" >&2
      buildah_root debootstrap --variant=minbase --include=libstdc++6,ca-certificates "$BUILDAH_SUITE" "$rootfs" http://deb.debian.org/debian >&2
      buildah_root sh -c "rm -rf '$rootfs'/var/cache/apt/archives/*.deb '$rootfs'/var/lib/apt/lists/*"
      buildah_root tar -C "$rootfs" -cf "$tar.partial" . && buildah_root chown "$(id -u):$(id -g)" "$tar.partial" && mv "$tar.partial" "$tar"
      buildah_root rm -rf "$rootfs"
    fi
  ) 9>"$BUILDAH_CACHE/.lock-rootfs"
  echo "[services] buildah: assembling $name" >&2
  npm_dir="$(npm root -g)/npm"
  ctr="$(buildah_cmd from scratch)"
  mnt="$(buildah_cmd mount "$ctr")"
  buildah_root tar -C "$mnt" -xf "$tar"
  buildah_root install -d "$mnt/usr/local/bin" "$mnt/usr/local/lib/node_modules"
  buildah_root install -m 0755 "$(command -v node)" "$mnt/usr/local/bin/node"
  buildah_root cp -a "$npm_dir" "$mnt/usr/local/lib/node_modules/npm"
  buildah_root ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  buildah_root ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  buildah_root cp /etc/ssl/certs/ca-certificates.crt "$mnt/etc/ssl/certs/ca-certificates.crt"
  buildah_cmd umount "$ctr" >/dev/null
  buildah_cmd config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt --cmd node "$ctr"
  buildah_cmd commit -q "$ctr" "$name" >/dev/null
  buildah_cmd rm "$ctr" >/dev/null
}

buildah_up() { buildah_install && buildah_base; }
buildah_down() { :; }

buildah_status() {
  if command -v buildah >/dev/null && buildah_cmd inspect --type image "$(buildah_base_name)" >/dev/null 2>&1; then
    echo "ready: $(buildah --version), base $(buildah_base_name)"
  else
    echo "not prepared (bash scripts/services.sh up buildah)"
  fi
}

buildah_env() {
  echo "export FRAUDOPS_TEST_NODE_BASE=$(buildah_base_name)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    base) buildah_up; buildah_base_name ;;
    *) echo "usage: $0 base" >&2; exit 2 ;;
  esac
fi
