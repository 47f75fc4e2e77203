// Who may use /ops: only operators who passed Cloudflare Access. With an Access audience configured
// (OPS_ACCESS_AUD, or ACCESS_AUD in previews) every /ops request needs a valid Cf-Access-Jwt-Assertion
// for it; a user's bearer token counts for nothing here. Without one, /ops answers only where the
// local vars say OPS_ACCESS=open-local (wrangler.toml's top level: `npm run dev` and tests; deployed
// environments do not inherit top-level vars), and is refused everywhere else.
import type { MiddlewareHandler } from "hono";
import { requireAccessAssertion } from "../api/security";
import type { AppEnv } from "../lib/context";
import { ApiError } from "../lib/errors";

export const LOCAL_OPERATOR = "local-operator";

export function requireOperator(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const config = c.get("config");
    const audience = config.OPS_ACCESS_AUD ?? config.ACCESS_AUD;
    if (audience) {
      if (!c.req.header("cf-access-jwt-assertion")) throw new ApiError("UNAUTHORIZED", "the operator page requires Cloudflare Access");
      const claims = await requireAccessAssertion(c, audience);
      // People sign in with an email; service tokens (scripts) carry a common_name.
      const who = typeof claims.email === "string" ? claims.email : typeof claims.common_name === "string" ? `service:${claims.common_name}` : claims.sub;
      c.set("operator", String(who ?? "access-user"));
    } else if (config.OPS_ACCESS === "open-local") {
      const named = c.req.header("x-ops-actor")?.trim();
      c.set("operator", named && /^[\w.@+-]{1,64}$/.test(named) ? named : LOCAL_OPERATOR);
    } else {
      throw new ApiError("FORBIDDEN", "the operator page is only served behind Cloudflare Access (set OPS_ACCESS_AUD)");
    }
    await next();
  };
}
