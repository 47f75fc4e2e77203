// Bearer JWT authentication for /v1/*: the user is the token's `sub`, provisioned on first use, and
// rate limited per user once the token is proven (an unauthenticated flood never reaches the database).
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../lib/errors";
import type { AppEnv } from "../lib/context";
import { TokenInvalid, verifyJwt } from "../lib/jwks";
import { openDb } from "../lib/db";
import { identifyUser } from "../lib/users";
import { identityMemory } from "../../durable-objects/client";
import { enforceRateLimit } from "./security";

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;

export function requireUser(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const match = BEARER.exec(c.req.header("authorization") ?? "");
    const challenge = { "www-authenticate": 'Bearer realm="hub"' };
    if (!match) throw new ApiError("UNAUTHORIZED", "missing or malformed bearer token", challenge);
    const config = c.get("config");
    let subject: string;
    let expiresAt: number;
    try {
      const payload = await verifyJwt(match[1]!, {
        jwksUrl: config.AUTH_JWKS_URL,
        issuer: config.AUTH_ISSUER,
        audience: config.AUTH_AUDIENCE,
        requiredClaims: ["sub"],
      });
      subject = payload.sub!;
      expiresAt = payload.exp!; // required by verifyJwt
    } catch (error) {
      if (error instanceof TokenInvalid) throw new ApiError("UNAUTHORIZED", error.message, challenge);
      // The key set could not be fetched: nobody gets in, and the client may retry.
      throw new ApiError("UNAVAILABLE", "identity provider keys unavailable");
    }
    // A non-string subject would be coerced into someone's string one, and an empty one would make
    // every such token the same user.
    if (typeof subject !== "string" || subject === "" || subject.length > 255) {
      throw new ApiError("UNAUTHORIZED", "token claim sub invalid", challenge);
    }
    await enforceRateLimit(c.env.USER_RATE_LIMITER, `user:${subject}`);
    c.set("tokenExpiresAt", expiresAt);
    // Cached subjects need no Postgres; Postgres down: the subject is identified from the mapping
    // remembered outside it (lib/users.ts).
    c.set("user", await identifyUser(() => c.get("database")().db, subject, {
      memory: identityMemory(c.env, subject),
      waitUntil: (work) => c.executionCtx.waitUntil(work),
      openDatabase: () => openDb(c.get("config")),
      log: c.get("log"),
    }));
    await next();
  };
}
