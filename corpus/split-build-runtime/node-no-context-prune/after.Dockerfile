FROM node:20-bookworm AS builder
WORKDIR /app
COPY . .
RUN npm install

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
COPY --from=builder /app /app

HEALTHCHECK CMD node healthcheck.js
CMD node index.js
