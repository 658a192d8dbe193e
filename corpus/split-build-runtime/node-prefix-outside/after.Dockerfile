FROM node:20 AS builder
WORKDIR /srv/app
COPY package.json server.js ./
RUN npm install --omit=dev --prefix /opt/deps
ENV NODE_PATH=/opt/deps/node_modules

FROM node:20-slim AS runtime
ENV NODE_PATH=/opt/deps/node_modules
WORKDIR /srv/app
COPY --from=builder /srv/app /srv/app
COPY --from=builder /opt/deps/node_modules /opt/deps/node_modules

CMD ["node", "server.js"]
