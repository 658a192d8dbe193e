FROM node:20 AS builder
WORKDIR /app
COPY . .
RUN npm ci

FROM node:20-slim AS runtime
WORKDIR /app
COPY --from=builder /app /app

# start it
CMD ["node", "a.js"]
