FROM node:20-slim
WORKDIR /usr/src/app
COPY --chown=1000:1000 package.json package-lock.json ./
RUN npm ci --omit=dev
RUN mkdir -p /usr/src/app && chown 1000:1000 /usr/src/app
COPY --chown=1000:1000 . .
EXPOSE 3000
USER 1000:1000
CMD ["node", "server.js"]
