FROM node:20 AS builder

WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci

COPY . .
RUN npm run build

FROM nginx:stable AS runtime
COPY --from=builder /app/dist/ /usr/share/nginx/html/

EXPOSE 4173
