FROM node:20 AS builder
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
RUN npm run build
RUN npm prune --omit=dev

FROM builder AS test
ENV CI=true
RUN --mount=type=cache,target=/root/.npm npm ci --include=dev
RUN --mount=type=cache,target=/root/.npm npm test

FROM node:20-slim AS runtime
WORKDIR /app
COPY --from=builder /app /app
USER node
CMD ["node", "dist/index.js"]
