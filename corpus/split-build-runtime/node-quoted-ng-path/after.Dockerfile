FROM node:18 AS builder
WORKDIR /usr/src/app
COPY package*.json ./
RUN npm ci
COPY . .
RUN "node_modules/@angular/cli/bin/ng" build --configuration production
RUN npm prune --omit=dev

FROM node:18-slim AS runtime
WORKDIR /usr/src/app
COPY --from=builder /usr/src/app /usr/src/app

EXPOSE 4000
CMD ["npm", "start"]
