FROM node:20

# the static file server the site is served with
RUN npm install -g http-server

WORKDIR /site
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

EXPOSE 8080
CMD ["http-server", "dist", "-p", "8080", "--gzip"]
