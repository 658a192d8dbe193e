FROM node:20 AS builder

WORKDIR /usr/src/app

COPY package.json package-lock.json ./
RUN npm ci

COPY . .

FROM node:20-slim AS runtime
WORKDIR /usr/src/app
COPY --from=builder /usr/src/app /usr/src/app

EXPOSE 3000
CMD ["node", "server.js"]
