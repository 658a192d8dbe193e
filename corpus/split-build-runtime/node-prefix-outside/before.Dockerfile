FROM node:20
WORKDIR /srv/app
COPY package.json server.js ./
RUN npm install --omit=dev --prefix /opt/deps
ENV NODE_PATH=/opt/deps/node_modules
CMD ["node", "server.js"]
