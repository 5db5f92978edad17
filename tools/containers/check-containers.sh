#!/usr/bin/env bash
# `make check-containers`: the container deployment, proven end to end on this machine.
#  1. builds the six images from the working tree (podman, or docker when podman is absent);
#  2. brings up docker-compose.yml (the production file) with a throwaway secrets directory and
#     environment (keys from `gatehouse keys`, random secrets) and tools/containers/peers.compose.yml
#     standing in for Bitcoin Core, the pool backend and the chain; waits until every service's
#     /readyz says ready; mines shares through 3333 (tools/loadgen) and sees the pool backend accept
#     them; relays one request (`gatehouse relay send`); completes one workflow over the REST API;
#     tears it down;
#  3. the same for the development stack (docker-compose.dev.yml on top, deploy/compose/dev.env).
# Prints one JSON line of figures at the end (build seconds and size per image, seconds to ready).
# Needs: `make build` done, docker-compose, and podman (with `podman system service`, started here
# when DOCKER_HOST is unset) or a Docker engine. Base images must be pullable, or stand-ins built
# (tools/containers/stand-in-images.sh, for machines without a registry).
# NPM_CA_FILE: a CA bundle for npm inside the builds (behind a TLS-intercepting proxy); defaults to
# NODE_EXTRA_CA_CERTS when that is set.
# As root with podman, the stacks run in a network namespace of their own (CHECK_CONTAINERS_NETNS=0
# turns it off): the published ports (3333, 3000, 4222, …) cannot clash with servers already
# listening on the machine, and the checks below reach them inside that namespace.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

SERVICES=(miner-edge template-verifier share-forwarder relay-gateway relay-node orchestrator)
declare -A OPS_PORT=([miner-edge]=8082 [template-verifier]=8083 [share-forwarder]=8084 [relay-gateway]=8085 [relay-node]=8086 [orchestrator]=8087)
READY_TIMEOUT_S=${READY_TIMEOUT_S:-300}
log() { printf 'check-containers: %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

if command -v podman >/dev/null 2>&1; then engine=podman; else engine=docker; fi
work=$(mktemp -d /tmp/gatehouse-check-containers.XXXXXX)
chmod 0755 "$work"
pids=()
compose_args=()
netns=""
cleanup() {
  local rc=$?
  if [ ${#compose_args[@]} -gt 0 ]; then
    [ "$rc" -ne 0 ] && docker-compose "${compose_args[@]}" logs --tail=30 >&2 2>&1 || true
    docker-compose "${compose_args[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -n "$netns" ] && ip netns delete "$netns" 2>/dev/null
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

# Runs a command where the stacks' published ports are.
in_ns() { if [ -n "$netns" ]; then nsenter "--net=/var/run/netns/$netns" "$@"; else "$@"; fi; }

# podman serves the Docker API that docker-compose drives.
if [ -z "${DOCKER_HOST:-}" ] && [ "$engine" = podman ]; then
  if [ "${CHECK_CONTAINERS_NETNS:-1}" = 1 ] && [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null && command -v nsenter >/dev/null; then
    netns="gatehouse-check-$$"
    ip netns add "$netns"
    ip -n "$netns" link set lo up
  fi
  # nsenter, not `ip netns exec`: that also remounts /sys, where runc then finds no cgroups.
  if [ -n "$netns" ]; then
    nsenter "--net=/var/run/netns/$netns" podman system service --time=0 "unix://$work/podman.sock" &
  else
    podman system service --time=0 "unix://$work/podman.sock" &
  fi
  pids+=($!)
  export DOCKER_HOST="unix://$work/podman.sock"
  for _ in $(seq 100); do [ -S "$work/podman.sock" ] && break; sleep 0.1; done
fi

# 1. Images.
ca=${NPM_CA_FILE:-${NODE_EXTRA_CA_CERTS:-}}
build_args=()
[ "$engine" = podman ] && build_args+=(--format docker)  # OCI images drop HEALTHCHECK
[ -n "$ca" ] && [ -s "$ca" ] && build_args+=(--secret "id=npm_ca,src=$ca")
declare -A BUILD_S SIZE_MB
for service in "${SERVICES[@]}"; do
  start=$(date +%s)
  # CHECK_CONTAINERS_SKIP_BUILD=1 reuses the images already built (to iterate on the stacks).
  if [ "${CHECK_CONTAINERS_SKIP_BUILD:-0}" = 1 ] && "$engine" image exists "gatehouse/$service:dev" 2>/dev/null; then
    BUILD_S[$service]=0
    SIZE_MB[$service]=$(($("$engine" image inspect --format '{{.Size}}' "gatehouse/$service:dev") / 1000000))
    continue
  fi
  log "building gatehouse/$service:dev"
  # The build arguments docker-compose.yml gives this service (SERVICE, OPS_PORT, PORTS).
  mapfile -t service_args < <(node tools/check-deploy/dist/build-args.js "$service")
  [ "${#service_args[@]}" -gt 0 ] || fail "no build arguments for $service in docker-compose.yml"
  nice -n 10 "$engine" build "${build_args[@]}" "${service_args[@]}" -f Dockerfile -t "gatehouse/$service:dev" . >"$work/build-$service.log" 2>&1 \
    || { tail -30 "$work/build-$service.log" >&2; fail "build of $service"; }
  BUILD_S[$service]=$(($(date +%s) - start))
  size=$("$engine" image inspect --format '{{.Size}}' "gatehouse/$service:dev")
  SIZE_MB[$service]=$((size / 1000000))
  log "gatehouse/$service:dev built in ${BUILD_S[$service]} s, ${SIZE_MB[$service]} MB"
done

# Health checks need a scheduler; podman without systemd has none, so run them while a stack is up.
health_loop() {
  while true; do
    for id in $(podman ps -q 2>/dev/null); do podman healthcheck run "$id" >/dev/null 2>&1 || true; done
    sleep 2
  done
}
if [ "$engine" = podman ]; then
  health_loop &
  pids+=($!)
fi

# Stops the stack. Containers living in another's network namespace (network_mode: service:…)
# go first: podman refuses to remove a container others still share, and compose removes them
# all at once.
teardown() {
  local project=$1 id
  for id in $("$engine" ps -a -q --filter "label=com.docker.compose.project=$project"); do
    case "$("$engine" inspect --format '{{.HostConfig.NetworkMode}}' "$id")" in
      container:*) "$engine" rm -f "$id" >/dev/null ;;
    esac
  done
  docker-compose "${compose_args[@]}" down -v --remove-orphans >"$work/down.log" 2>&1 || { cat "$work/down.log" >&2; fail "docker-compose down"; }
}

ops_key=""
# Waits until every service's /readyz answers 200; prints the seconds it took.
wait_ready() {
  local start=$1 service code
  for service in "${SERVICES[@]}"; do
    while true; do
      code=$(in_ns curl -s -o "$work/ready.json" -w '%{http_code}' "http://127.0.0.1:${OPS_PORT[$service]}/readyz" -H "x-api-key: $ops_key" || true)
      [ "$code" = 200 ] && break
      [ $(($(date +%s) - start)) -gt "$READY_TIMEOUT_S" ] && fail "$service not ready after ${READY_TIMEOUT_S} s: $code $(cat "$work/ready.json" 2>/dev/null)"
      sleep 1
    done
  done
  echo $(($(date +%s) - start))
}

# Mines for 20 s through 3333; the pool backend must have accepted shares.
mine() {
  local authority=$1 worker=$2 report accepted
  report=$(in_ns node tools/loadgen/dist/main.js --url 127.0.0.1:3333 --authority-key "$authority" --connections 1 --rate 2 \
    --worker "$worker" --duration-s 20 --report-interval-s 0 --json) || fail "loadgen: $report"
  accepted=$(node -e 'const r = JSON.parse(process.argv[1]); process.stdout.write(String(r.accepted))' "$report")
  [ "$accepted" -gt 0 ] || fail "no share accepted through 3333: $report"
  local stats=""
  for _ in $(seq 30); do
    stats=$(docker-compose "${compose_args[@]}" exec -T pool-backend node -e \
      "fetch('http://127.0.0.1:8091/stats').then((r) => r.text()).then((t) => process.stdout.write(t))") || stats='{"accepted":0}'
    [ "$(node -e 'process.stdout.write(String(JSON.parse(process.argv[1]).accepted))' "$stats")" -gt 0 ] && break
    sleep 1
  done
  [ "$(node -e 'process.stdout.write(String(JSON.parse(process.argv[1]).accepted))' "$stats")" -gt 0 ] \
    || fail "the pool backend accepted no share: $stats"
  log "mined: edge accepted $accepted shares; pool backend $stats"
}

# One relay request through the gateway and the DON.
relay() {
  local out
  out=$(in_ns node tools/cli/bin/gatehouse.js relay send capability.execute --url http://127.0.0.1:5002/ "$@" --capability hash --payload abc) || true
  grep -q '"result"' <<<"$out" || fail "relay send: $out"
  log "relayed: $(head -c 300 <<<"$out")"
}

# A work submission, followed until COMPLETED.
workflow() {
  local key=$1 body id state=""
  body='{"studio_address":"0xe7f1725e7734ce288f8367e1bb143e90bb3f0512","epoch":1,"agent_address":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","data_hash":"0x1111111111111111111111111111111111111111111111111111111111111111","thread_root":"0x2222222222222222222222222222222222222222222222222222222222222222","evidence_root":"0x3333333333333333333333333333333333333333333333333333333333333333","evidence_content":"aGVsbG8=","signer_address":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"}'
  id=$(in_ns curl -sf -X POST 127.0.0.1:3000/workflows/work-submission -H 'content-type: application/json' -H "x-api-key: $key" -d "$body" \
    | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => process.stdout.write(JSON.parse(s).id))') \
    || fail "POST /workflows/work-submission"
  for _ in $(seq 120); do
    state=$(in_ns curl -sf "127.0.0.1:3000/workflows/$id" | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => process.stdout.write(JSON.parse(s).state))') || true
    case "$state" in COMPLETED) break ;; FAILED | STALLED) fail "workflow $id $state" ;; esac
    sleep 1
  done
  [ "$state" = COMPLETED ] || fail "workflow $id still $state"
  log "workflow $id COMPLETED"
}

# 2. The production file, with throwaway secrets.
secrets="$work/secrets"
mkdir -m 0755 "$secrets"
cli=(node tools/cli/bin/gatehouse.js)
"${cli[@]}" keys authority --out "$work/authority-key.json" >"$secrets/authority.pub" 2>/dev/null
"${cli[@]}" keys server --authority "$work/authority-key.json" --out "$secrets/server-identity.json" --group-readable >/dev/null
node_key="0x$(openssl rand -hex 32)"
relay_lib="$root/libs/relay/dist/index.js"
node_address=$(node --input-type=module -e "
  import { addressFromPrivateKey, parsePrivateKey } from '$relay_lib';
  process.stdout.write(addressFromPrivateKey(parsePrivateKey(process.argv[1])));" "$node_key")
enclave_address=$(node --input-type=module -e "
  import { addressFromPrivateKey, devKey } from '$relay_lib';
  process.stdout.write(addressFromPrivateKey(devKey('dev-enclave')));")
token=$(openssl rand -hex 32)
cat >"$secrets/relay-gateway.toml" <<EOF
gateway_id = "gateway-0"
[auth]
mode = "tokens"
tokens = [{ sender = "check", token_sha256 = "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" }]
[don]
don_id = "relay"
f = 0
members = [{ name = "relay-node-0", address = "$node_address" }]
EOF
cat >"$secrets/relay-node.toml" <<EOF
node_name = "relay-node-0"
node_private_key = "$node_key"
# The CLI's development enclave key stands in for an attested enclave.
[attestation]
mode = "dev"
dev_enclave_addresses = ["$enclave_address"]
EOF
chmod 0640 "$secrets"/*
rest_key=$(openssl rand -hex 24)
ops_key=$(openssl rand -hex 24)
cat >"$work/prod.env" <<EOF
GATEHOUSE_SECRETS_DIR=$secrets
GATEHOUSE_SECRETS_GID=$(id -g)
GATEHOUSE_API_KEY=$ops_key
GATEHOUSE_SHARE_UPSTREAM_URL=http://pool-backend:8090/shares
GATEHOUSE_SHARE_UPSTREAM_SECRET=whsec_$(openssl rand -base64 32)
GATEHOUSE_ALLOW_INSECURE_HTTP_UPSTREAM=1
GATEHOUSE_BITCOIN_NETWORK=regtest
GATEHOUSE_BITCOIN_RPC_URL=http://127.0.0.1:18443
GATEHOUSE_BITCOIN_RPC_USER=check
GATEHOUSE_BITCOIN_RPC_PASSWORD=$(openssl rand -hex 16)
GATEHOUSE_PAYOUT_SCRIPT=00140000000000000000000000000000000000000001
GATEHOUSE_WORKER_PREFIX_MAP={ "check." = "check" }
GATEHOUSE_CHAIN_RPC_URL=http://127.0.0.1:8545
GATEHOUSE_REWARDS_DISTRIBUTOR=0x5FbDB2315678afecb367f032d93F642f64180aa3
GATEHOUSE_CHAIN_SIGNER_SECRETS=["0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80","0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d","0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a","0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"]
GATEHOUSE_ORCHESTRATOR_API_KEYS=["$rest_key"]
GATEHOUSE_POSTGRES_PASSWORD=$(openssl rand -hex 24)
EOF

compose_args=(-p gatehouse-check --env-file "$work/prod.env" -f docker-compose.yml -f tools/containers/peers.compose.yml)
log "production stack: up"
start=$(date +%s)
docker-compose "${compose_args[@]}" up -d --no-build >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "docker-compose up (production)"; }
prod_ready_s=$(wait_ready "$start")
log "production stack: every service ready in ${prod_ready_s} s"
mine "$secrets/authority.pub" check.miner
relay --token "$token"
workflow "$rest_key"
teardown gatehouse-check
compose_args=()

# 3. The development stack.
compose_args=(-p gatehouse-check-dev --env-file deploy/compose/dev.env -f docker-compose.yml -f docker-compose.dev.yml)
ops_key=change-me-dev-only
log "development stack: up"
start=$(date +%s)
docker-compose "${compose_args[@]}" up -d --no-build >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "docker-compose up (development)"; }
dev_ready_s=$(wait_ready "$start")
log "development stack: every service ready in ${dev_ready_s} s"
docker-compose "${compose_args[@]}" exec -T miner-edge cat /run/gatehouse/authority.pub >"$work/dev-authority.pub"
mine "$work/dev-authority.pub" dev.check
relay
workflow ""
teardown gatehouse-check-dev
compose_args=()

figures="{\"engine\":\"$engine\",\"images\":{"
sep=""
for service in "${SERVICES[@]}"; do
  figures+="$sep\"$service\":{\"build_s\":${BUILD_S[$service]},\"size_mb\":${SIZE_MB[$service]}}"
  sep=","
done
figures+="},\"production_ready_s\":$prod_ready_s,\"development_ready_s\":$dev_ready_s,\"total_s\":$SECONDS}"
echo "$figures"
