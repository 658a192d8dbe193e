FROM node:20-slim
WORKDIR /home/node/app
COPY package.json yarn.lock ./
RUN yarn install --production --frozen-lockfile
COPY . .
USER node
CMD ["node", "src/index.js"]
