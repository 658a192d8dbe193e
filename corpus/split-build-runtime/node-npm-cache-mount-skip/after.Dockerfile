# syntax=docker/dockerfile:1
FROM node:22-slim
WORKDIR /srv/app
COPY package*.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev
COPY . ./
CMD [ "npm", "start" ]
