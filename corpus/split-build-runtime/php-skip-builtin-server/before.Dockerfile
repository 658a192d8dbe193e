FROM php:8.2-cli
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /srv/app
COPY . .
RUN composer install --no-dev
EXPOSE 8000
CMD ["php", "-S", "0.0.0.0:8000", "-t", "public"]
