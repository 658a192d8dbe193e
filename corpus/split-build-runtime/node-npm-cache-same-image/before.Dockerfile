FROM node:22-slim

WORKDIR /srv/app

# manifests first, so the install layer stays cached
COPY package*.json ./
RUN npm install --omit=dev

COPY . ./

CMD [ "npm", "start" ]
