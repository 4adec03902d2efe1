# rootline: war room and CLI in one image.
#   docker build -t rootline .
#   docker run --rm -p 8080:8080 -e ROOTLINE_TOKEN="$(openssl rand -hex 32)" rootline   # the bundled example
#   docker run --rm -p 8080:8080 -e ROOTLINE_TOKENS_FILE=/run/secrets/tokens -v /srv/incident:/data:ro rootline \
#     node dist/server/cli.js serve --host 0.0.0.0 --input /data
# It listens on 0.0.0.0, so it refuses to start without a token (ROOTLINE_TOKEN, ROOTLINE_READ_TOKEN,
# ROOTLINE_TOKENS_FILE) unless ROOTLINE_ALLOW_NO_AUTH=true says serving without one is intended.
#   docker run --rm -v /srv/incident:/data:ro rootline node dist/server/cli.js analyze --input /data --format json

# ---- build: all dependencies, compile TypeScript -------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY server ./server
COPY correlators ./correlators
RUN npx tsc -p tsconfig.json

# ---- runtime: production dependencies only, non-root ---------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    ROOTLINE_HOST=0.0.0.0 \
    ROOTLINE_PORT=8080 \
    ROOTLINE_LOG_LEVEL=info
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
# Compiled code, and what it reads at run time from the package root: templates, the page's
# script and stylesheet, the bundled example.
COPY --from=build /app/dist/server ./dist/server
COPY --from=build /app/dist/correlators ./dist/correlators
COPY templates ./templates
COPY server/public ./server/public
COPY server/live/public ./server/live/public
COPY examples ./examples
# Numeric uid of the image's `node` user, so runAsNonRoot can check it.
USER 1000:1000
EXPOSE 8080
# SIGTERM: /readyz turns 503, analyses finish or are cancelled (ROOTLINE_SHUTDOWN_GRACE), streams close.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server/cli.js", "serve", "--host", "0.0.0.0"]
