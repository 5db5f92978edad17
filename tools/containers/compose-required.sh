#!/usr/bin/env bash
# `make check-deploy`: a compose file whose required variables (${VAR:?sentence}) are missing must
# stop with that sentence, not start services that would restart forever. Takes each variable the
# file guards with ${VAR:?…} out of deploy/compose/example.env, one at a time, and expects
# `docker-compose config` to name it.
set -euo pipefail
file=${1:-docker-compose.yml}
# Only the env file speaks: variables of the calling shell would answer for it.
for v in $(compgen -e | grep "^GATEHOUSE_" || true); do unset "$v"; done
example=deploy/compose/example.env
required=$(grep -o '\${GATEHOUSE_[A-Z_]*:?' "$file" | sed 's/^\${//; s/:?$//' | sort -u)
[ -n "$required" ] || { echo "compose-required: $file guards no variable with \${VAR:?…}" >&2; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for name in $required; do
  grep -v "^$name=" "$example" >"$tmp"
  if out=$(docker-compose --env-file "$tmp" -f "$file" config -q 2>&1); then
    echo "compose-required: $file starts without $name" >&2
    exit 1
  fi
  grep -q "set $name" <<<"$out" || { echo "compose-required: without $name, $file fails but does not say so: $out" >&2; exit 1; }
done
echo "compose: $file stops with a sentence when any of its $(wc -w <<<"$required") required variables is missing"
