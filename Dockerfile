# syntax=docker/dockerfile:1
# Channel Gateway node image: Node 24 (LTS) on Debian 13 "trixie" (glibc 2.41), where the official
# uWebSockets.js build (@btc-vision/uwebsockets.js) loads natively on amd64 and on arm64.
#
#   docker build -t channel-gateway .
#   docker run -p 8080:8080 -e CG_API_KEYS="$(openssl rand -hex 16)" [-e CG_REDIS_URL=redis://redis:6379] channel-gateway
#   docker run --rm channel-gateway --help          # the CG_ settings and their defaults
#
# Both architectures in one tag (buildx with a builder that can build several platforms):
#   docker buildx create --name cg --driver docker-container --use     # once
#   docker buildx build --platform linux/amd64,linux/arm64 -t registry.example/channel-gateway:0.1.0 --push .
# The build stage runs on the builder's own platform (no emulation): its output is JavaScript plus the uWS
# package, which carries the prebuilt binaries of every platform; only the runtime stage is per platform.
#
# No Docker engine was available where this file was written: deploy/image-proof/prove-image.sh shows, in a
# Debian 13 root made with debootstrap, that the same /app (this file's build stage, replayed) loads the
# official uWS build and serves on Node 22 and 24, on amd64 and on arm64 emulated by qemu-user.
# `docker build` itself and arm64 hardware were not tried there.
ARG NODE_IMAGE=node:24-trixie-slim
ARG PNPM_VERSION=9.15.9

# ---- build: install, compile, then `pnpm deploy` the gateway with its production dependencies only ----
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
ARG PNPM_VERSION
# CI=true: pnpm never waits for a prompt. pnpm comes through npx, as everywhere in this repository.
ENV CI=true npm_config_update_notifier=false
WORKDIR /src
# `pnpm fetch` needs only the lockfile, so the download stays cached until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN npx --yes pnpm@${PNPM_VERSION} fetch
COPY . .
RUN npx --yes pnpm@${PNPM_VERSION} install --frozen-lockfile --offline \
 && npx --yes pnpm@${PNPM_VERSION} build \
 && npx --yes pnpm@${PNPM_VERSION} --filter @channel-gateway/gateway deploy --prod /app

# ---- runtime: the deployed package only (dist/ with its assets, package.json, node_modules) ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    CG_PORT=8080 \
    CG_HOST=0.0.0.0
WORKDIR /app
# Owned by root, run as the base image's unprivileged `node` user (uid 1000): the process cannot rewrite
# its own code. No sources, tests, benchmarks or dev dependencies (they never leave the build stage).
COPY --from=build /app /app
USER node
EXPOSE 8080
# Liveness only (/healthz): /readyz also fails while Redis is down or during a drain, which is not a
# reason to call the container unhealthy. The slim image has no curl, so Node's fetch does the probe.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.CG_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) starts the drain; give the container more than CG_DRAIN_TIMEOUT_MS to stop.
STOPSIGNAL SIGTERM
# The package's own command: no argument runs a node; `--help` and `--version` work as arguments to `docker run`.
ENTRYPOINT ["node", "/app/dist/cli.js"]
