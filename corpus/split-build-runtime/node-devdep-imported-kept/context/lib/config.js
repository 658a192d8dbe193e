// loads .env in every environment
require("dotenv").config();
module.exports = { port: process.env.PORT || 3000 };
