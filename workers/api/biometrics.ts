// Routes: hrv and sleep ranges.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/context";

export function registerBiometricRoutes(_app: OpenAPIHono<AppEnv>): void {}
