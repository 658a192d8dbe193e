FROM node:20-alpine
RUN addgroup -S web && adduser -S -G web web
USER web
WORKDIR /home/web/app
COPY package*.json ./
RUN npm ci --omit=dev
COPY . .
CMD ["node", "index.js"]
