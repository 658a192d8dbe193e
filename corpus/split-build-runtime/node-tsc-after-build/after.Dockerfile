FROM node:20 AS builder
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npm run build && npx tsc -p tsconfig.server.json
RUN npm prune --omit=dev

FROM node:20-slim AS runtime
WORKDIR /app
COPY --from=builder /app /app

EXPOSE 8080
CMD ["node", "dist/server.js"]
