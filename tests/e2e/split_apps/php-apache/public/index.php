<?php
require __DIR__ . '/../vendor/autoload.php';
echo (new App\Greeter())->greet('php-apache'), ' pdo_mysql=', extension_loaded('pdo_mysql') ? 'yes' : 'no', "\n";
