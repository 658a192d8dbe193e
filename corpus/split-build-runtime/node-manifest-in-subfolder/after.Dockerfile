ARG ARCH=
ARG IMAGE_BASE=20-alpine

FROM ${ARCH}node:${IMAGE_BASE}
LABEL org.opencontainers.image.title="demo"
ENV NODE_ENV production
WORKDIR /app

COPY app/package*.json ./
RUN npm install --production --silent

COPY app/. .

EXPOSE 3000
ENTRYPOINT ["npm", "start"]
