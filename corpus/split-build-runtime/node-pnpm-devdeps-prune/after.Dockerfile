FROM node:20-slim AS builder
RUN corepack enable
WORKDIR /app
COPY package.json pnpm-lock.yaml ./
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm run build
RUN pnpm prune --prod

FROM node:20-slim AS runtime
WORKDIR /app
COPY --from=builder /app /app

EXPOSE 3000
CMD ["node", "dist/index.js"]
