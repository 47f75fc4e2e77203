// Routes: GET/PATCH /v1/me.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";

export function registerMeRoutes(_app: OpenAPIHono<AppEnv>): void {}
