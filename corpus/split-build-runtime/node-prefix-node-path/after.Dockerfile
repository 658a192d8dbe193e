FROM node:20 AS builder
WORKDIR /deps
COPY package.json .
RUN npm install --omit=dev --prefix /deps
ENV NODE_PATH=/deps/node_modules
WORKDIR /srv/app
COPY server.js .

FROM node:20-slim AS runtime
ENV NODE_PATH=/deps/node_modules
WORKDIR /srv/app
COPY --from=builder /deps /deps
COPY --from=builder /srv/app /srv/app

CMD ["node", "server.js"]
