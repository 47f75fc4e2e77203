// Bearer JWT authentication for /v1/*: the user is the token's `sub`, provisioned on first use.
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../lib/errors";
import type { AppEnv } from "../lib/context";
import { TokenInvalid, verifyJwt } from "../lib/jwks";
import { provisionUser } from "../lib/users";

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;

export function requireUser(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const match = BEARER.exec(c.req.header("authorization") ?? "");
    const challenge = { "www-authenticate": 'Bearer realm="hub"' };
    if (!match) throw new ApiError("UNAUTHORIZED", "missing or malformed bearer token", challenge);
    const config = c.var.config;
    let subject: string;
    try {
      const payload = await verifyJwt(match[1]!, {
        jwksUrl: config.AUTH_JWKS_URL,
        issuer: config.AUTH_ISSUER,
        audience: config.AUTH_AUDIENCE,
        requiredClaims: ["sub"],
      });
      subject = payload.sub!;
    } catch (error) {
      if (error instanceof TokenInvalid) throw new ApiError("UNAUTHORIZED", error.message, challenge);
      throw error;
    }
    if (subject.length > 255) throw new ApiError("UNAUTHORIZED", "token subject too long", challenge);
    c.set("user", await provisionUser(c.var.database().db, subject));
    await next();
  };
}
