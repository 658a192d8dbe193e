FROM node:18
WORKDIR /usr/src/web
COPY . .
RUN npm install && npm run build
CMD npm start
