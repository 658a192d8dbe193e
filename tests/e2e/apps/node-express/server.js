const express = require("express");

const app = express();
const port = Number(process.env.PORT || 3000);

app.get("/", (req, res) => {
  res.type("text/plain").send("hello from node-express\n");
});

app.get("/healthz", (req, res) => {
  res.json({ status: "ok", uid: process.getuid() });
});

app.listen(port, () => {
  console.log(`listening on :${port}`);
});
