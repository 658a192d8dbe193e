FROM node:20
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npm run build && npx tsc -p tsconfig.server.json
EXPOSE 8080
CMD ["node", "dist/server.js"]
