const pino = require("pino"); pino().info("started"); setInterval(() => {}, 1000);
