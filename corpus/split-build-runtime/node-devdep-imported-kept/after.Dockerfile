FROM node:20 AS builder
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .

FROM node:20-slim AS runtime
WORKDIR /app
COPY --from=builder /app /app

CMD ["node", "index.js"]
