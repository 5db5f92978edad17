# syntax=docker/dockerfile:1
# Every service's image, one Dockerfile: SERVICE names the service, OPS_PORT its ops HTTP port (the
# health check's) and PORTS what it serves. Build from the repository root, e.g.:
#   docker build --build-arg SERVICE=miner-edge --build-arg OPS_PORT=8082 --build-arg "PORTS=3333 8082 9082" -t gatehouse/miner-edge .
# (docker-compose.yml passes each service's arguments.) Behind a TLS-intercepting proxy, give npm its
# CA bundle with --secret id=npm_ca,src=/path/to/ca-bundle.pem (nothing is needed otherwise).
# The stages up to `build` do not depend on SERVICE, so a builder's layer cache runs them once for
# all six images; `deps` reruns only when a package.json or the lockfile changes.

FROM node:20.20-bookworm-slim AS manifests
WORKDIR /src
COPY . .
# Timestamps zeroed: the copy below must be byte-identical while the manifests are.
RUN find . -type f ! -name package.json ! -name package-lock.json -delete && find . -depth -type d -empty -delete \
 && find . -exec touch -h -d @0 {} +

# Every workspace's dependencies, dev included, for the compilers. No install scripts run: nothing
# compiled here needs a native addon, so the image needs no compiler.
FROM node:20.20-bookworm-slim AS deps
WORKDIR /app
COPY --from=manifests /src ./
RUN --mount=type=secret,id=npm_ca \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# Every service compiled (with the libraries they reference); /out keeps each workspace's
# package.json, dist/ and config/ only.
FROM deps AS build
# What the compilers read, and nothing else: a change to docs, tools or deployment files keeps this cached.
COPY tsconfig.base.json ./
COPY libs ./libs
COPY services ./services
RUN npm run build --workspace services --loglevel=error \
 && for d in libs/* services/*; do \
      mkdir -p "/out/$d" && cp "$d/package.json" "/out/$d/" \
      && if [ -d "$d/dist" ]; then cp -r "$d/dist" "/out/$d/"; fi \
      && if [ -d "$d/config" ]; then cp -r "$d/config" "/out/$d/"; fi; \
    done

# This service's production dependencies only (native addons load from their prebuilt binaries).
FROM node:20.20-bookworm-slim AS service
ARG SERVICE
WORKDIR /app
COPY --from=manifests /src ./
RUN --mount=type=secret,id=npm_ca \
    test -n "$SERVICE" && test -f "services/$SERVICE/package.json" || { echo "--build-arg SERVICE=<one of services/*>" >&2; exit 1; }; \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --omit=dev --workspace "services/$SERVICE" --ignore-scripts --no-audit --no-fund --loglevel=error
COPY --from=build /out/ ./
# Keeps the libraries and the service this service links (node_modules/@gatehouse/*), drops the
# other workspaces; no service runs a tool, and npm links a workspace that is only a dev dependency
# (a test's pool backend) too, so tools/ and bench/ go whole and links left dangling go with them.
# main.js starts the service (node follows the link, so its imports resolve from its dist/).
RUN keep=" $(for l in node_modules/@gatehouse/*; do readlink -f "$l"; done | tr '\n' ' ') " \
 && for d in libs/* services/*; do \
      case "$keep" in *" /app/$d "*) ;; *) rm -rf "$d" ;; esac; \
    done \
 && rm -rf tools bench \
 && find node_modules/@gatehouse -xtype l -delete \
 && ln -s "services/$SERVICE/dist/main.js" main.js

FROM node:20.20-bookworm-slim
ARG SERVICE
ARG OPS_PORT
ARG PORTS
ENV NODE_ENV=production GATEHOUSE_HEALTH_PORT=${OPS_PORT}
WORKDIR /app
# Owned by root and read-only to the service's user: the root filesystem can be mounted read-only.
COPY --from=service /app ./
# The orchestrator's evidence files: mount a volume here (a fresh one takes this directory's owner,
# the service's user).
RUN test -n "$OPS_PORT" && test -n "$PORTS" || { echo "--build-arg OPS_PORT=<ops port> and PORTS=<ports served>" >&2; exit 1; }; \
    if [ "$SERVICE" = orchestrator ]; then mkdir -p /var/lib/gatehouse/evidence && chown node:node /var/lib/gatehouse/evidence; fi
USER node
EXPOSE ${PORTS}
# The ops server answers /healthz without a key when http_probes_public = true (set by the deployments).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.GATEHOUSE_HEALTH_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "main.js"]
