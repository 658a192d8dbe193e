FROM node:20-slim
RUN npm install -g nodemon
WORKDIR /app
COPY package.json .
RUN npm install --omit=dev
COPY . .
EXPOSE 3000
CMD ["node", "index.js"]
