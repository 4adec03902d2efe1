# rootline: war room and CLI in one image.
#   docker build -t rootline .
#   docker run --rm -p 8080:8080 rootline                      # the bundled example
#   docker run --rm -p 8080:8080 -v /srv/incident:/data:ro rootline \
#     node dist/server/cli.js serve --host 0.0.0.0 --input /data
#   docker run --rm -v /srv/incident:/data:ro rootline node dist/server/cli.js analyze --input /data --format json

# ---- build: all dependencies, compile TypeScript -------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY server ./server
COPY correlators ./correlators
RUN npx tsc -p tsconfig.json

# ---- runtime: production dependencies only, non-root ---------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    ROOTLINE_HOST=0.0.0.0 \
    ROOTLINE_PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# Compiled code, and what it reads at run time from the package root: templates, the page's
# script and stylesheet, the bundled example.
COPY --from=build /app/dist/server ./dist/server
COPY --from=build /app/dist/correlators ./dist/correlators
COPY templates ./templates
COPY server/public ./server/public
COPY examples ./examples
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server/cli.js", "serve", "--host", "0.0.0.0"]
