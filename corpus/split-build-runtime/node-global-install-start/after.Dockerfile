FROM node:20 AS builder
RUN npm install -g pm2@5.4.2
WORKDIR /app
COPY package*.json ./
RUN npm ci --omit=dev
COPY . .

FROM node:20-slim AS runtime
RUN npm install -g pm2@5.4.2
WORKDIR /app
COPY --from=builder /app /app

EXPOSE 3000
CMD ["pm2-runtime", "server.js"]
