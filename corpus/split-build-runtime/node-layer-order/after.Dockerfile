FROM node:22 AS builder
WORKDIR /srv/app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .

FROM node:22-slim AS runtime
WORKDIR /srv/app
COPY --from=builder /srv/app /srv/app

CMD ["node", "index.js"]
