// Routes: OAuth connections (CONTRACT §3).
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";

export function registerConnectionRoutes(_app: OpenAPIHono<AppEnv>): void {}
