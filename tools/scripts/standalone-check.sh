#!/usr/bin/env bash
# The repository stands alone: no file may read or cite material beside it (a sibling checkout, a
# private design note). Cite public sources (a BIP, a spec section, a public repository's file).
set -euo pipefail
cd "$(dirname "$0")/../.."
pattern='\.\./shared\b|\bshared[D]ir\b|\bDESIGN\.md\b|\b(sv2|mining|relay|orchestrator|toolchain|regtest-node|real-peers)\.md\b|reference §'
if hits=$(git grep -n -I -E "$pattern" -- . ':!package-lock.json' ':!tools/scripts/standalone-check.sh'); then
  echo "standalone: these lines refer to material outside the repository:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "standalone: no reference outside the repository"
