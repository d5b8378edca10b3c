# syntax=docker/dockerfile:1
# aiops-bot image: compiled JavaScript and production dependencies only, as a non-root user.
#   docker build -t aiops-bot .
#   docker run -p 3000:3000 -v aiops-data:/data aiops-bot            # embedded database in the volume
#   docker run -e DATABASE_URL=postgres://… aiops-bot                 # PostgreSQL
# test/ship/runtime.sh performs the runtime stage's install in CI (there is no Docker daemon there).
ARG NODE_VERSION=22

# ─── build: all dependencies, TypeScript → dist/ ───────────────────────────────────────────────────────
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY handlers ./handlers
RUN npm run build

# ─── deps: production dependencies only (no tsx, TypeScript or test tools) ────────────────────────────
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ─── runtime ──────────────────────────────────────────────────────────────────────────────────────────
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    LOG_FORMAT=json \
    AIOPS_DATA_DIR=/data
WORKDIR /app
RUN groupadd --system --gid 10001 aiops \
 && useradd --system --uid 10001 --gid aiops --home-dir /app --shell /usr/sbin/nologin aiops \
 && mkdir -p /data \
 && chown aiops:aiops /data
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY prompts ./prompts
COPY catalogue ./catalogue
USER 10001:10001
# The embedded database (PGlite) when DATABASE_URL is unset.
VOLUME ["/data"]
EXPOSE 3000
# node is PID 1 and handles SIGTERM itself: it stops taking requests, lets requests and jobs in flight
# finish, closes the database and exits 0 (exec form everywhere, so no shell swallows the signal).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/src/cli.js"]
CMD ["start"]
