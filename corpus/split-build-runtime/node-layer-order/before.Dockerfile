FROM node:22
WORKDIR /srv/app
COPY . .
RUN npm ci
CMD ["node", "index.js"]
