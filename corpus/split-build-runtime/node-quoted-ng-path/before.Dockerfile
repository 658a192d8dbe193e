FROM node:18
WORKDIR /usr/src/app
COPY package*.json ./
RUN npm ci
COPY . .
RUN "node_modules/@angular/cli/bin/ng" build --configuration production
EXPOSE 4000
CMD ["npm", "start"]
