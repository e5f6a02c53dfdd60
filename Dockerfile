# syntax=docker/dockerfile:1
#
# iam-review container image. Runs `serve` by default; any CLI command works as arguments:
#   docker run --rm --env-file .env -v ./connectors:/config/connectors:ro ... iam-review audit verify
#
# Stages: `build` compiles src/ to dist/ with the dev dependencies; `deps` installs the production
# dependencies only and builds better-sqlite3's native driver; `runtime` gets dist/ and those
# node_modules, no compiler, no dev dependency, no src/, and runs as the unprivileged `node` user.
#
# Mounts (README "Production"):
#   /config/connectors, /config/policies, /config/reviews  the config folders, READ-ONLY (:ro);
#                                   IAM_REVIEW_CONFIG_DIR=/config. Not declared as VOLUMEs:
#                                   an anonymous volume would be empty and writable.
#   /data                           IAM_REVIEW_DATA_DIR and working directory: the SQLite store
#                                   (iam-review.db, when MONGODB_URI is unset) and `export`'s
#                                   out/evidence/. Back it up (README "Backups").
# Secrets come from the environment (--env-file / compose env_file / a Kubernetes Secret), never
# from the image.

# One major version, the one package.json's engines and the tests use. The same image in every
# stage, so the driver built in `deps` matches the runtime's Node ABI and glibc.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
# --ignore-scripts: the compiler needs no native driver, and our `prepare` (tsc) would run before
# src/ is copied.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM ${NODE_IMAGE} AS deps
# better-sqlite3 downloads a prebuilt binary for this Node ABI and platform; when none fits it
# compiles with node-gyp, which needs these. They stay in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY package.json package-lock.json ./
# Production dependencies only (--omit=dev). --ignore-scripts skips our own `prepare` (tsc is a
# dev dependency); `npm rebuild` then runs the one production install script, better-sqlite3's
# (declared in package.json allowScripts), and the driver is loaded once to prove it works.
RUN npm ci --omit=dev --ignore-scripts \
 && npm rebuild better-sqlite3 \
 && node -e "new (require('better-sqlite3'))(':memory:').close()"

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="iam-review" \
      org.opencontainers.image.description="Access-review bot: connectors, policies, Slack reviews, hash-chained audit ledger" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    IAM_REVIEW_CONFIG_DIR=/config \
    IAM_REVIEW_DATA_DIR=/data \
    PORT=3000
WORKDIR /app
# Owned by root and read-only to the `node` user that runs the app.
COPY package.json LICENSE ./
COPY --from=deps /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
COPY bin ./bin
COPY deploy/healthcheck.mjs ./healthcheck.mjs
# /data belongs to `node` before VOLUME, so a new named volume starts with that owner.
RUN mkdir -p /config /data \
 && chown node:node /data \
 && ln -s /app/bin/iam-review.js /usr/local/bin/iam-review
VOLUME ["/data"]
WORKDIR /data
# `node` (uid/gid 1000 in the official image), numeric so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
# HTTP mode: Slack posts to /slack/events. /healthz, /readyz, /metrics on the same port (in Socket
# Mode on HEALTH_PORT, which defaults to PORT).
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs"]
# serve shuts down gracefully on SIGTERM. As PID 1, node gets only the signals it handles; run
# with --init (compose: init: true) so that tini is PID 1, passes signals on and reaps children.
ENTRYPOINT ["node", "/app/bin/iam-review.js"]
CMD ["serve"]
