import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";

export function registerOpenApiRoute(app: OpenAPIHono<AppEnv>): void {
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: { title: "Holistic Performance Hub", version: "1.0.0", description: "Edge API for athletes' wearable and phone health data." },
    servers: [{ url: new URL(c.req.url).origin }],
  }));
}
