// Routes: phone uploads POST /v1/me/samples.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";

export function registerSampleRoutes(_app: OpenAPIHono<AppEnv>): void {}
