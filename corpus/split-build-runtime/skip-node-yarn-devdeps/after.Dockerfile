FROM node:20 AS builder
WORKDIR /app
COPY . .
RUN yarn install --frozen-lockfile && yarn build

FROM node:20-slim AS runtime
WORKDIR /app
COPY --from=builder /app /app

CMD ["node", "dist/main.js"]
