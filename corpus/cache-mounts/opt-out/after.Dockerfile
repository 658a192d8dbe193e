FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json yarn.lock ./
# The CI builder has no persistent BuildKit cache
# msb-migrate: skip=cache-mounts
RUN yarn install --frozen-lockfile
COPY . .
CMD ["node", "dist/main.js"]
