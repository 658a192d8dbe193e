import "dotenv/config";
import express from "express";
import home from "./routes/home.mjs";
const app = express();
app.use("/", home);
app.listen(process.env.PORT || 3000);
