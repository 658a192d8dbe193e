FROM node:20-bookworm
WORKDIR /app
COPY . .
RUN npm install
HEALTHCHECK CMD node healthcheck.js
CMD node index.js
