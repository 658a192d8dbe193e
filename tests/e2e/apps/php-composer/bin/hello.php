<?php

declare(strict_types=1);

require __DIR__ . '/../vendor/autoload.php';

echo (new App\Greeter())->greet('php-composer'), ", ", PHP_VERSION, PHP_EOL;
