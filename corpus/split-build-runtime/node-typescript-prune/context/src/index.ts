import Fastify from "fastify";
import { routes } from "./routes";

const app = Fastify();
routes(app);
app.listen({ port: Number(process.env.PORT ?? 8080), host: "0.0.0.0" });
