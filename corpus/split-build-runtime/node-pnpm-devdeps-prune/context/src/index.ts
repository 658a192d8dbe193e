import Fastify from "fastify";
Fastify().listen({ port: 3000, host: "0.0.0.0" });
