// Routes: export and erasure.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";

export function registerPrivacyRoutes(_app: OpenAPIHono<AppEnv>): void {}
