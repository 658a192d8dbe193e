const express = require("express");
const app = express();
app.use(express.static(__dirname + "/dist/shop/browser"));
app.listen(4000);
