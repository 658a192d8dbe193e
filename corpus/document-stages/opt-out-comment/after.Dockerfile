# builder: builds the JavaScript bundle (npm run build)
FROM node:20 AS builder
WORKDIR /app
COPY . .
RUN npm ci && npm run build

# msb-migrate: skip=name-stages
FROM node:20-slim
WORKDIR /app
COPY --from=builder /app/dist ./dist
CMD ["node", "dist/index.js"]
