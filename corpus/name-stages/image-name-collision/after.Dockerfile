FROM composer:2 AS composer-2
WORKDIR /app
COPY . .
RUN composer dump-autoload --optimize

FROM php:8.3-cli-alpine AS runtime
COPY --from=composer /usr/bin/composer /usr/bin/composer
COPY --from=composer-2 /app /app
CMD ["php", "/app/index.php"]
