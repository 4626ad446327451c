# syntax=docker/dockerfile:1
# Atlas production image: the API, the Voice V2 gateway and the built web app in one process.
#   docker build -t atlas .
#   docker run --rm -p 8787:8787 --stop-timeout 30 -e ATLAS_JWT_SECRET=... -v atlas-data:/data atlas
# See docs/deployment.md for configuration, scaling out and health checks.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: every dependency, then the server, the shared packages and the web app ----------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused until package-lock.json changes.
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/fakes/package.json packages/fakes/
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
RUN npm ci --no-audit --no-fund
COPY . .
# tsc -b: packages/protocol/dist, packages/fakes/dist, apps/server/dist; then Vite: apps/web/dist.
RUN npm run build

# ---- deps: production dependencies of the server only (no TypeScript, Vite, Vitest, React) --
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/fakes/package.json packages/fakes/
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
RUN npm ci --omit=dev --workspace=@atlas/server --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# Offline voice (no provider keys, or as the last link of each failover chain): espeak-ng speaks,
# PocketSphinx listens (loaded through koffi from libpocketsphinx3). /health reports them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng libpocketsphinx3 pocketsphinx-en-us \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787 \
    ATLAS_DATA_DIR=/data

WORKDIR /app
# Layout mirrors the repository: the server finds the migrations (supabase/), the web app
# (apps/web/dist) and its own package.json by paths relative to apps/server/dist.
COPY --from=deps /app/package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/packages/protocol/package.json packages/protocol/
COPY --from=build /app/packages/protocol/dist packages/protocol/dist
COPY --from=build /app/packages/fakes/package.json packages/fakes/
COPY --from=build /app/packages/fakes/dist packages/fakes/dist
COPY --from=build /app/apps/server/package.json apps/server/
COPY --from=build /app/apps/server/dist apps/server/dist
COPY --from=build /app/apps/web/dist apps/web/dist
COPY --from=build /app/supabase supabase

# The record spool (and, without DATABASE_URL, the embedded database) live here; mount a
# volume on it so records spooled during a database outage survive a restart.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node

EXPOSE 8787
# main.ts: SIGTERM stops accepting, tells live calls to resume elsewhere (1001), flushes the
# voice records, closes Redis and the database, exits within 10 s. Give it that (--stop-timeout).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node itself, not npm: npm start would build, and npm does not pass SIGTERM on reliably.
# The V8 options are ATLAS_NODE_FLAGS (apps/server/src/node-flags.ts: why, and the test that keeps
# this line, npm start and the benchmarks in step).
CMD ["node", "--initial-old-space-size=128", "--v8-pool-size=0", "apps/server/dist/main.js"]
