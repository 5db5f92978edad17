#!/usr/bin/env bash
# Installs what a fresh clone needs: Debian packages for the servers and checkers the tests use
# (only those whose command is missing), and node_modules from the lockfile when it changed.
set -euo pipefail
cd "$(dirname "$0")/../.."

declare -A PACKAGE_OF=(
  [nats-server]=nats-server
  [redis-server]=redis-server
  [docker-compose]=docker-compose
  [promtool]=prometheus
)
missing=()
for command in "${!PACKAGE_OF[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${PACKAGE_OF[$command]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The prometheus package may start a server of its own; tests need only promtool.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then $sudo systemctl stop prometheus || true; fi
fi

# node_modules from the committed lockfile. `npm ci` cannot be used: it insists that the lockfile
# list every platform's optional binary (biome, buf, swc, nx), and the registry mirror serves only
# linux-x64's, so npm records none of the others. `npm install` installs exactly the locked tree;
# in CI a lockfile it would have to change is an error, as it is for `npm ci`.
stamp=node_modules/.gatehouse-lock.sha256
want=$(cat package-lock.json package.json libs/*/package.json services/*/package.json tools/*/package.json bench/package.json | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "deps: npm install (from package-lock.json)"
  before=$(sha256sum package-lock.json | cut -d' ' -f1)
  npm install --no-audit --no-fund --loglevel=error
  if [ "${CI:-}" = "true" ] && [ "$(sha256sum package-lock.json | cut -d' ' -f1)" != "$before" ]; then
    echo "deps: package-lock.json is out of sync with package.json; run npm install and commit the lockfile" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
