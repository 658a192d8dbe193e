FROM node:18 AS deps
WORKDIR /app
COPY package*.json ./
RUN npm ci

FROM deps AS builder
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
