#!/usr/bin/env bash
# FOR MACHINES WITHOUT AN IMAGE REGISTRY ONLY. With Docker Hub reachable, do not run this: the
# Dockerfiles and compose files pull the official images themselves.
#
# Builds local STAND-INS for the four base images the repository names, tagged with the official
# names so the Dockerfiles and compose files run unchanged:
#   docker.io/library/node:20.20-bookworm-slim  Debian bookworm (debootstrap, minbase) + this machine's
#                                               Node 20 binary and npm, user node (uid 1000)
#   docker.io/library/nats:2.9-alpine           Debian's nats-server (2.9) + wget for the health check
#   docker.io/library/redis:7.0-alpine          Debian's redis-server (7.0) + redis-cli, protected mode off
#                                               (as the official image has it)
#   docker.io/library/postgres:15-bookworm      Debian's PostgreSQL 15; its entry point does what the
#                                               official image's does with POSTGRES_USER, POSTGRES_PASSWORD,
#                                               POSTGRES_DB and PGDATA (postgres user uid 999)
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
POSTGRES_IMAGE=docker.io/library/postgres:15-bookworm
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
    "${before_packages:-true}" "$tree"
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

# Before the packages: the official image's postgres user is uid and gid 999.
postgres_user() {
  chroot "$1" groupadd --system --gid 999 postgres
  chroot "$1" useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql --shell /bin/bash postgres
}

postgres_tree() {
  local tree=$1
  # The official image's first start: a cluster in $PGDATA owned by POSTGRES_USER (password
  # POSTGRES_PASSWORD, scram-sha-256 over the network), the database POSTGRES_DB; then the server
  # listening on every interface, as the postgres user.
  cat >"$tree/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/bash
set -euo pipefail
export PGDATA=${PGDATA:-/var/lib/postgresql/data}
bin=/usr/lib/postgresql/15/bin
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 0700 "$PGDATA"
  exec setpriv --reuid postgres --regid postgres --init-groups "$0" "$@"
fi
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD:-}" ] || { echo "postgres stand-in: POSTGRES_PASSWORD is not set" >&2; exit 1; }
  "$bin/initdb" -D "$PGDATA" -U "$user" --pwfile=<(printf '%s' "$POSTGRES_PASSWORD") --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  [ "$db" = postgres ] || echo "CREATE DATABASE \"$db\" OWNER \"$user\";" | "$bin/postgres" --single -D "$PGDATA" postgres >/dev/null
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' "$@"
EOF
  chmod 0755 "$tree/usr/local/bin/docker-entrypoint.sh"
  # The official image has the server's binaries on PATH and no cluster until the first start.
  ln -sf /usr/lib/postgresql/15/bin/pg_isready "$tree/usr/local/bin/pg_isready"
  rm -rf "$tree/var/lib/postgresql/15" "$tree/etc/postgresql/15"
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
if have "$POSTGRES_IMAGE"; then echo "stand-in-images: $POSTGRES_IMAGE exists"; else
  before_packages=postgres_user customize=postgres_tree image_from_tree "$POSTGRES_IMAGE" postgresql-15 -- \
    --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' --change 'USER root' --change 'EXPOSE 5432'
fi
