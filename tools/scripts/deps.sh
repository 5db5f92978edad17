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

# node_modules exactly as package-lock.json records them. `npm ci` refuses a lockfile that does not
# match package.json (every platform's optional binaries included), so an out-of-date lockfile fails
# here, in CI as on a laptop, instead of being silently rewritten.
stamp=node_modules/.gatehouse-lock.sha256
want=$(cat package-lock.json package.json libs/*/package.json services/*/package.json tools/*/package.json bench/package.json | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "deps: npm ci (from package-lock.json)"
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    echo "deps: npm ci failed; if package.json changed, run npm install and commit package-lock.json" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
