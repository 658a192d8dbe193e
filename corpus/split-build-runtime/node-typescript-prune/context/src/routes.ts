import type { FastifyInstance } from "fastify";

export function routes(app: FastifyInstance): void {
  app.get("/", async () => ({ hello: "world" }));
}
