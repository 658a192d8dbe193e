FROM node:20-bullseye AS builder
WORKDIR /usr/src/app
COPY . .
RUN npm run build
RUN npm prune --omit=dev
RUN rm -rf web/node_modules

FROM node:20-bullseye-slim AS runtime
WORKDIR /usr/src/app
COPY --from=builder /usr/src/app /usr/src/app

EXPOSE 8080
CMD [ "npm", "run", "start" ]
