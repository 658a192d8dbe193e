FROM node:18 AS builder
WORKDIR /usr/src/app
COPY . .
RUN npm install && npm run build

FROM node:18-slim AS runtime
WORKDIR /usr/src/app
COPY --from=builder /usr/src/app /usr/src/app

CMD npm start
