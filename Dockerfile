# syntax=docker/dockerfile:1
# Channel Gateway node image. Build:  docker build -t channel-gateway .
# Run:    docker run -p 8080:8080 -e CG_API_KEYS=change-me [-e CG_REDIS_URL=redis://redis:6379] channel-gateway
#
# Debian (glibc) rather than Alpine: the uWebSockets.js builds ship prebuilt binaries for glibc Linux.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: full install (TypeScript, esbuild), compile every package, then drop dev dependencies ----
FROM ${NODE_IMAGE} AS build
# CI=true: pnpm never waits for a confirmation prompt.
ENV CI=true
RUN npm install --global --no-fund --no-audit pnpm@9.15.9
WORKDIR /app
# `pnpm fetch` needs only the lockfile, so the dependency download stays cached until the lockfile
# changes, whatever else in the repository does.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline
RUN pnpm build
# Reinstall with production dependencies only (from the store, offline); the compiled dist/ folders stay.
RUN rm -rf node_modules packages/*/node_modules \
 && pnpm install --frozen-lockfile --offline --prod

# ---- runtime: the pruned workspace, run as the unprivileged `node` user of the base image ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    CG_PORT=8080 \
    CG_HOST=0.0.0.0
WORKDIR /app
# The whole workspace layout is kept (node_modules symlinks are relative to it); the gateway serves
# docs/openapi.yaml and the browser script from packages/client/dist at run time.
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 8080
# Liveness only (/healthz): /readyz also fails while Redis is down or during a drain, which is not a
# reason to call the container unhealthy. The slim image has no curl, so Node's fetch does the probe.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.CG_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) starts the drain; give the container more than CG_DRAIN_TIMEOUT_MS to stop.
STOPSIGNAL SIGTERM
CMD ["node", "packages/gateway/dist/main.js"]
