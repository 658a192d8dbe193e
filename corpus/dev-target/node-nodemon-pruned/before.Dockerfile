FROM node:20 AS builder
WORKDIR /usr/src/app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm prune --omit=dev

FROM node:20-slim AS runtime
WORKDIR /usr/src/app
COPY --from=builder /usr/src/app /usr/src/app
USER node
EXPOSE 3000
CMD ["node", "server.js"]
