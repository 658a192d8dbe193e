FROM node:20 AS builder

# the static file server the site is served with
RUN npm install -g http-server

WORKDIR /site
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM nginx:stable AS runtime
COPY --from=builder /site/dist/ /usr/share/nginx/html/
RUN printf 'pid /tmp/nginx.pid;\nerror_log /dev/stderr;\nevents {}\nhttp {\n    include /etc/nginx/mime.types;\n    access_log /dev/stdout;\n    client_body_temp_path /tmp/client_body;\n    proxy_temp_path /tmp/proxy;\n    fastcgi_temp_path /tmp/fastcgi;\n    uwsgi_temp_path /tmp/uwsgi;\n    scgi_temp_path /tmp/scgi;\n    server {\n        listen 8080;\n        root /usr/share/nginx/html;\n        location / {\n            try_files $uri $uri/ /index.html;\n        }\n    }\n}\n' > /etc/nginx/nginx.conf

EXPOSE 8080
