FROM node:20
WORKDIR /deps
COPY package.json .
RUN npm install --omit=dev --prefix /deps
ENV NODE_PATH=/deps/node_modules
WORKDIR /srv/app
COPY server.js .
CMD ["node", "server.js"]
