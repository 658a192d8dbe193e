FROM node:20 AS web
WORKDIR /web
COPY web/package.json web/yarn.lock ./
RUN --mount=type=cache,target=/usr/local/share/.cache/yarn,sharing=locked \
    yarn install --frozen-lockfile
COPY web .
RUN yarn build

FROM node:20-slim AS api
RUN corepack enable
WORKDIR /api
COPY api/package.json api/pnpm-lock.yaml ./
RUN --mount=type=cache,target=/root/.local/share/pnpm/store pnpm install --frozen-lockfile --prod
COPY api .
COPY --from=web /web/dist ./public
CMD ["node", "index.js"]
