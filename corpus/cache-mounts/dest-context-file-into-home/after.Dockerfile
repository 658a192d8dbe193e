FROM node:20
COPY .npmrc /root
WORKDIR /app
COPY package.json ./
RUN --mount=type=cache,target=/root/.npm npm install --omit=dev
COPY server.js ./
CMD ["node", "server.js"]
