FROM node:22 AS build
WORKDIR /usr/src/app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM build AS test
ENV CI=true
RUN npm test

FROM nginx:1.27 AS runtime
COPY --from=build /usr/src/app/dist /usr/share/nginx/html
