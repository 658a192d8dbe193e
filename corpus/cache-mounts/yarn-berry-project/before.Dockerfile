FROM node:20-bookworm-slim
RUN corepack enable
WORKDIR /srv/app
COPY . .
RUN yarn install --immutable
CMD ["yarn", "start"]
