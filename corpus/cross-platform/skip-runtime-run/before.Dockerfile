FROM node:20 AS builder

WORKDIR /usr/src/app

COPY package.json package-lock.json ./
RUN npm ci

COPY . .

FROM node:20-slim AS runtime
RUN mkdir -p /usr/src/app && chown 1000:1000 /usr/src/app
WORKDIR /usr/src/app
COPY --from=builder --chown=1000:1000 /usr/src/app /usr/src/app

EXPOSE 3000
USER 1000:1000
CMD ["node", "server.js"]
