FROM node:20 AS builder
WORKDIR /app
COPY package*.json ./
RUN npm ci
RUN npm prune --omit=dev
COPY . .

FROM node:20-slim AS runtime
WORKDIR /app
COPY --from=builder /app /app

EXPOSE 8080
CMD ["npm", "start"]
