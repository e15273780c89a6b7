# syntax=docker/dockerfile:1
# arbstream app image. Two stages: `deps` installs the locked production dependencies, `runtime`
# carries only node_modules and the TypeScript sources (run through tsx; no build step).
# The base image is pinned to the Node version the project is developed and tested on.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# --omit=dev: tsx is a runtime dependency; test and lint tools stay out of the image
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
# sources are owned by root and read-only for the app user; only ./data is writable
# (.dockerignore keeps tests, fixtures, .git, data, secrets and .env out of the context)
COPY . .
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 4000
# the API server answers GET /healthz (200 when it listens and the database answers; src/api/server.ts)
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.API_PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# the live pipeline; `docker compose run --rm app node --import tsx src/cli.ts demo` for the demo
CMD ["node", "--import", "tsx", "src/cli.ts", "run"]
