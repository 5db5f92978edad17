#!/usr/bin/env bash
# FOR MACHINES WITHOUT AN IMAGE REGISTRY ONLY. With Docker Hub reachable, do not run this: the
# Dockerfiles and compose files pull the official images themselves.
#
# Builds local STAND-INS for the three base images the repository names, tagged with the official
# names so the Dockerfiles and compose files run unchanged:
#   docker.io/library/node:20.20-bookworm-slim  Debian bookworm (debootstrap, minbase) + this machine's
#                                               Node 20 binary and npm, user node (uid 1000)
#   docker.io/library/nats:2.9-alpine           Debian's nats-server (2.9) + wget for the health check
#   docker.io/library/redis:7.0-alpine          Debian's redis-server (7.0) + redis-cli, protected mode off
#                                               (as the official image has it)
# They are NOT the official images (different base distribution, Debian's builds of the servers);
# they only stand in for them where none can be pulled. Each is labelled
# org.gatehouse.stand-in=true; `podman images --filter label=org.gatehouse.stand-in=true` lists them.
#
# Usage: tools/containers/stand-in-images.sh [--force]   (root; podman and debootstrap installed;
# reaches Debian's package mirror). Skips an image that exists unless --force.
set -euo pipefail

force=0
[ "${1:-}" = "--force" ] && force=1
engine=${CONTAINER_ENGINE:-podman}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=${STAND_IN_WORK_DIR:-/var/tmp/gatehouse-stand-ins}

NODE_IMAGE=docker.io/library/node:20.20-bookworm-slim
NATS_IMAGE=docker.io/library/nats:2.9-alpine
REDIS_IMAGE=docker.io/library/redis:7.0-alpine
LABEL="org.gatehouse.stand-in=true"

have() { [ "$force" = 0 ] && "$engine" image exists "$1"; }

[ "$(id -u)" -eq 0 ] || { echo "stand-in-images: run as root (debootstrap needs it)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "stand-in-images: install debootstrap" >&2; exit 1; }

# One minimal Debian bookworm tree, made once and copied for each image.
base="$work/bookworm"
if [ ! -x "$base/bin/sh" ]; then
  rm -rf "$base"
  mkdir -p "$work"
  echo "stand-in-images: debootstrap bookworm (minbase) into $base"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$base" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  chroot "$base" apt-get clean
fi

# Copies the base tree, installs Debian packages into it, imports it as an image.
#   image_from_tree <image> <packages…> -- <podman import --change …>
image_from_tree() {
  local image=$1
  shift
  local packages=()
  while [ "$1" != "--" ]; do packages+=("$1"); shift; done
  shift
  local tree="$work/tree"
  rm -rf "$tree"
  cp -a "$base" "$tree"
  if [ ${#packages[@]} -gt 0 ]; then
    chroot "$tree" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive chroot "$tree" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    chroot "$tree" apt-get clean
  fi
  "${customize:-true}" "$tree"
  rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin
  tar -C "$tree" -c . | "$engine" import "$@" --change "LABEL $LABEL" - "$image" >/dev/null
  rm -rf "$tree"
  echo "stand-in-images: built $image (stand-in)"
}

node_tree() {
  local tree=$1 node_bin npm_dir
  node_bin=$(readlink -f "$(command -v node)")
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  "$node_bin" -e 'process.exit(process.versions.node.startsWith("20.") ? 0 : 1)' \
    || { echo "stand-in-images: this machine's node is not Node 20" >&2; exit 1; }
  install -m 0755 "$node_bin" "$tree/usr/local/bin/node"
  mkdir -p "$tree/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$tree/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$tree/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$tree/usr/local/bin/npx"
  # The official image's user: node, uid and gid 1000, home /home/node.
  chroot "$tree" groupadd --gid 1000 node
  chroot "$tree" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
}

redis_tree() {
  local tree=$1
  # The official image runs redis-server with protected mode off (its network is the container's).
  cat >"$tree/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = "redis-server" ]; then
  shift
  set -- redis-server --protected-mode no "$@"
  # As the official image: own the data directory, then drop root.
  if [ "$(id -u)" = 0 ]; then
    find /data \! -user redis -exec chown redis:redis '{}' +
    exec setpriv --reuid redis --regid redis --init-groups "$@"
  fi
fi
exec "$@"
EOF
  chmod 0755 "$tree/usr/local/bin/docker-entrypoint.sh"
  mkdir -p "$tree/data"
  chroot "$tree" chown redis:redis /data
}

nats_tree() {
  mkdir -p "$1/data"
}

if have "$NODE_IMAGE"; then echo "stand-in-images: $NODE_IMAGE exists"; else
  customize=node_tree image_from_tree "$NODE_IMAGE" -- \
    --change 'ENV NODE_VERSION=20' --change 'WORKDIR /' --change 'CMD ["node"]'
fi
if have "$NATS_IMAGE"; then echo "stand-in-images: $NATS_IMAGE exists"; else
  customize=nats_tree image_from_tree "$NATS_IMAGE" nats-server wget -- \
    --change 'ENTRYPOINT ["/usr/sbin/nats-server"]' --change 'CMD ["-js"]' --change 'EXPOSE 4222' --change 'EXPOSE 8222'
fi
if have "$REDIS_IMAGE"; then echo "stand-in-images: $REDIS_IMAGE exists"; else
  customize=redis_tree image_from_tree "$REDIS_IMAGE" redis-server redis-tools -- \
    --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' --change 'CMD ["redis-server"]' \
    --change 'WORKDIR /data' --change 'EXPOSE 6379'
fi
