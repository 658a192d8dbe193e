FROM node:20-slim AS builder
RUN npm install -g nodemon
WORKDIR /app
COPY package.json .
RUN npm install --omit=dev
COPY . .

FROM node:20-slim AS runtime
WORKDIR /app
COPY --from=builder /app /app

EXPOSE 3000
CMD ["node", "index.js"]
