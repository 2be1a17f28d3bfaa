# syntax=docker/dockerfile:1
# The fraudops image: the `fraudops` CLI as entrypoint, so one image runs `stream`, `scheduler start`,
# `pipeline run` or any stage. No model inside: the scorer pulls the `champion` alias from the registry at start.
# `fraudops package --model champion --out <dir>` writes a build context whose Dockerfile is this one plus a final
# stage that adds the champion's artifact and labels (see src/delivery/package.ts).
#
# Debian slim (glibc: DuckDB and onnxruntime ship glibc builds), pinned by digest. The digest is that of
# node:24-bookworm-slim (Node 24.18.0) as public references record it; it could not be pulled and checked on the
# machine this was written on. Dependabot (or `docker buildx imagetools inspect node:24-bookworm-slim`) moves it.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# --- build: compile TypeScript with the dev dependencies ---------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- deps: production dependencies only --------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# --- runtime -----------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="fraudops" \
      org.opencontainers.image.description="Card-fraud model lifecycle: lake, training, validation, streaming scoring" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/fraudops/fraudops" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"
ENV NODE_ENV=production \
    FRAUDOPS_HTTP_PORT=9464
# A fixed numeric user, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
RUN groupadd --system --gid 10001 fraudops \
 && useradd --system --uid 10001 --gid fraudops --home-dir /home/fraudops --create-home --shell /usr/sbin/nologin fraudops
WORKDIR /app
# Owned by root and read-only to the user: the app cannot rewrite itself.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The dashboard's stylesheet and browser scripts (`fraudops ui`), served as they are.
COPY assets ./assets
COPY package.json ./
USER 10001:10001
EXPOSE 9464
# The scorer's liveness endpoint (`fraudops stream` serves it on --http-port). Kubernetes uses the chart's probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.FRAUDOPS_HTTP_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/bin.js"]
CMD ["--help"]
