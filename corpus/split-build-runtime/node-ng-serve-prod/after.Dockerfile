FROM node:18 AS builder

WORKDIR /usr/src/app

COPY package.json package-lock.json ./
RUN npm install

COPY . .
RUN npx ng build --configuration production

FROM nginx:stable AS runtime
COPY --from=builder /usr/src/app/dist/tour-of-heroes/browser/ /usr/share/nginx/html/
RUN printf 'pid /tmp/nginx.pid;\nerror_log /dev/stderr;\nevents {}\nhttp {\n    include /etc/nginx/mime.types;\n    access_log /dev/stdout;\n    client_body_temp_path /tmp/client_body;\n    proxy_temp_path /tmp/proxy;\n    fastcgi_temp_path /tmp/fastcgi;\n    uwsgi_temp_path /tmp/uwsgi;\n    scgi_temp_path /tmp/scgi;\n    server {\n        listen 4200;\n        root /usr/share/nginx/html;\n        location / {\n            try_files $uri $uri/ /index.html;\n        }\n    }\n}\n' > /etc/nginx/nginx.conf

EXPOSE 4200
