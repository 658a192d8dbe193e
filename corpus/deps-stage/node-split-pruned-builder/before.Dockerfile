FROM node:18 AS builder
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npm run build
RUN npm prune --omit=dev
ENV NODE_ENV=production PORT=8080

FROM node:18-slim AS runtime
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY --from=builder /app /app

EXPOSE 8080
CMD ["npm", "start"]
