# Gatehouse: every target installs what it needs first (see tools/scripts/deps.sh).
SHELL := /bin/bash
.DEFAULT_GOAL := help
export NX_DAEMON := false
export NX_NO_CLOUD := true
export NX_TUI := false
export NX_SKIP_LOG_GROUPING := true
BIN := node_modules/.bin
WITH_INFRA := node tools/dev/dist/with-infra.js --

.PHONY: help deps build proto proto-check typecheck lint test test-unit test-integration e2e interop check-deploy check-containers dev bench bench-compare clean

help: ## list targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

deps: ## install Debian packages and node_modules when missing
	@tools/scripts/deps.sh

build: deps ## compile every package (nx, cached)
	@$(BIN)/nx run-many -t build --outputStyle=static

proto: deps ## lint proto/ and regenerate libs/proto
	@$(BIN)/buf lint
	@$(BIN)/buf generate
	@node tools/scripts/proto-index.mjs

proto-check: deps ## fail if libs/proto is not what proto/ generates
	@$(BIN)/buf lint
	@tools/scripts/proto-check.sh

typecheck: deps ## type-check sources and tests
	@$(BIN)/tsc -p tsconfig.typecheck.json

lint: deps ## biome (lint + format), buf lint, and no reference outside the repository
	@$(BIN)/biome check .
	@$(BIN)/buf lint
	@tools/scripts/standalone-check.sh

check-deploy: build ## validate docker-compose.yml and the Kubernetes manifests offline
	@tools/containers/compose-required.sh docker-compose.yml
	@docker-compose --env-file deploy/compose/example.env -f docker-compose.yml config -q && echo "compose: docker-compose.yml is valid (deploy/compose/example.env)"
	@docker-compose --env-file deploy/compose/dev.env -f docker-compose.yml -f docker-compose.dev.yml config -q && echo "compose: docker-compose.yml + docker-compose.dev.yml is valid (deploy/compose/dev.env)"
	@node tools/check-deploy/dist/compose.js --env-file deploy/compose/example.env docker-compose.yml
	@node tools/check-deploy/dist/compose.js --env-file deploy/compose/dev.env docker-compose.yml docker-compose.dev.yml
	@node tools/check-deploy/dist/main.js deploy/k8s
	@promtool check rules deploy/prometheus/alerts.yml >/dev/null && echo "prometheus: deploy/prometheus/alerts.yml is valid"
	@node tools/check-deploy/dist/observability.js
	@node tools/check-deploy/dist/config-reference.js --check

check-containers: build ## build the images, run both compose files end to end (podman or docker), tear down
	@tools/containers/check-containers.sh

test: deps proto-check lint typecheck build check-deploy ## everything CI runs: checks, unit and integration tests
	@$(WITH_INFRA) node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js --ci

test-unit: build ## unit tests only
	@node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js --selectProjects unit

test-integration: build ## integration tests only (starts NATS/Redis if needed)
	@$(WITH_INFRA) node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js --selectProjects integration

e2e: build ## the end-to-end journeys against the whole stack (as make dev runs it, on free ports)
	@$(WITH_INFRA) node --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js test/e2e

interop: build ## the mining path against a real Bitcoin Core (BITCOIND) and sv2-tp (SV2_TP); not part of make test
	@node tools/interop/dist/main.js $(INTEROP_ARGS)

dev: build ## run the whole stack locally (Ctrl-C stops it); DEV_ARGS="--ports-offset 2000" etc.
	@node tools/dev/dist/main.js $(DEV_ARGS)

bench: build ## run the benchmarks; each prints JSON and keeps it under bench/results/<revision>/
	@$(WITH_INFRA) node bench/dist/run-all.js $(BENCH)

bench-compare: build ## two result sets side by side: make bench-compare A=<revision> B=<revision>
	@node bench/dist/compare.js $(A) $(B)

clean: ## remove build outputs and caches
	@rm -rf libs/*/dist services/*/dist tools/*/dist bench/dist .nx node_modules/.cache
