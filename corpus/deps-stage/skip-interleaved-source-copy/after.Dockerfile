FROM node:18-alpine AS build
WORKDIR /usr/src/app
ENV NODE_ENV=development
COPY package*.json ./
COPY src ./src
RUN npm install
RUN npm run build

FROM node:18-alpine AS release
WORKDIR /usr/src/app
COPY --from=build /usr/src/app/dist ./dist
CMD ["node", "dist/index.js"]
