FROM node:20
RUN npm install -g pm2@5.4.2
WORKDIR /app
COPY package*.json ./
RUN npm ci --omit=dev
COPY . .
EXPOSE 3000
CMD ["pm2-runtime", "server.js"]
