#!/usr/bin/env bash
# Fails when libs/proto/src differs from what `make proto` would generate from proto/.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node_modules/.bin/buf generate --output "$tmp"
node tools/scripts/proto-index.mjs --root "$tmp" >/dev/null
if ! diff -r "$tmp/libs/proto/src" libs/proto/src >"$tmp/diff.txt"; then
  echo "libs/proto is stale: run 'make proto' and commit the result" >&2
  head -40 "$tmp/diff.txt" >&2
  exit 1
fi
echo "proto: generated code is current"
