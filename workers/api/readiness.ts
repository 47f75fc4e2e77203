// Routes: readiness, history and the live WebSocket.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";

export function registerReadinessRoutes(_app: OpenAPIHono<AppEnv>): void {}
