// GET /openapi.json: the OpenAPI 3.1 description generated from the routes' own zod schemas.
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";

export function registerOpenApiRoute(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "The identity provider's RS256/ES256 token for the mobile app; the user is its `sub`.",
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/openapi.json",
    summary: "This OpenAPI 3.1 document",
    responses: { 200: { description: "the document", content: { "application/json": { schema: z.object({}).passthrough() } } } },
  });
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: {
      title: "Holistic Performance Hub",
      version: "1.0.0",
      description: "Edge API for athletes' wearable and phone health data. Errors use the Error envelope.",
    },
    servers: [{ url: new URL(c.req.url).origin }],
  }));
}
