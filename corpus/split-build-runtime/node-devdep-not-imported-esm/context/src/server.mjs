import express from "express";
import { router } from "./routes.mjs";
// import mocha from "mocha"  (a comment: not an import)
const app = express();
app.use(express.static("public"));
app.use(router);
app.listen(process.env.PORT ?? 8080);
