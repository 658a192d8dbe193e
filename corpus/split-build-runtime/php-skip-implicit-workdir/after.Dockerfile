FROM php:7.4-apache
COPY vhost.conf /etc/apache2/sites-available/000-default.conf
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
COPY . /var/www/html
RUN cd /var/www/html
RUN composer install --no-dev
