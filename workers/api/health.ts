import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { loadConfig } from "../env";
import { openDb } from "../lib/db";
import { errorBody } from "../lib/errors";
import type { AppEnv } from "../lib/context";

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  summary: "Liveness: the Worker runs",
  responses: { 200: { description: "running", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } } },
});

const readyRoute = createRoute({
  method: "get",
  path: "/health/ready",
  summary: "Readiness: Postgres answers",
  responses: {
    200: { description: "ready", content: { "application/json": { schema: z.object({ status: z.literal("ready") }) } } },
    503: { description: "Postgres unreachable or configuration invalid" },
  },
});

const READY_TIMEOUT_MS = 3_000;

export function registerHealthRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));

  app.openapi(readyRoute, async (c) => {
    const unavailable = (message: string) => c.json(errorBody("UNAVAILABLE", message, c.get("requestId")), 503);
    let handle;
    try {
      handle = openDb(loadConfig(c.env));
    } catch {
      return unavailable("configuration invalid");
    }
    try {
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), READY_TIMEOUT_MS));
      await Promise.race([handle.pool.query("SELECT 1"), timeout]);
      return c.json({ status: "ready" as const }, 200);
    } catch {
      return unavailable("database unreachable");
    } finally {
      c.executionCtx.waitUntil(handle.close());
    }
  });
}
