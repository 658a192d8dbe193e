require("express")().get("/", (q, r) => r.send("pong")).listen(3000);
