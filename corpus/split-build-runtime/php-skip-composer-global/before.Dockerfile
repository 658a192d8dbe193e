FROM php:8.1-cli

COPY --from=composer:2 /usr/bin/composer /usr/local/bin/composer

RUN composer global require squizlabs/php_codesniffer
ENV PATH /root/.composer/vendor/bin:$PATH

WORKDIR /code
ENTRYPOINT ["phpcs"]
