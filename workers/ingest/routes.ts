// Routes: vendor webhooks (CONTRACT §2).
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";

export function registerWebhookRoutes(_app: OpenAPIHono<AppEnv>): void {}
