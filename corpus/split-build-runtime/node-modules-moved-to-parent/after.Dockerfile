FROM node:18 AS builder
ENV NODE_ENV=production
WORKDIR /usr/src/app
COPY ["package.json", "package-lock.json*", "./"]
RUN npm install --production --silent && mv node_modules ../
COPY . .

FROM node:18-slim AS runtime
ENV NODE_ENV=production
WORKDIR /usr/src/app
COPY --from=builder /usr/src/app /usr/src/app
COPY --from=builder /usr/src/node_modules /usr/src/node_modules

EXPOSE 8080
CMD ["npm", "start"]
