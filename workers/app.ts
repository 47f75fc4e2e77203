// The app factory: shared middleware (request id, config, per-request DB, errors) and every route.
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { ConfigError, loadConfig } from "./env";
import { openDb, type DbHandle } from "./lib/db";
import { ApiError, errorBody, statusToCode } from "./lib/errors";
import { createLogger, describeError } from "./lib/logger";
import type { AppEnv } from "./lib/context";
import { requireUser } from "./api/auth";
import { registerBiometricRoutes } from "./api/biometrics";
import { registerSignalRoutes } from "./api/signals";
import { registerTrendRoutes } from "./api/trends";
import { registerConnectionRoutes } from "./api/connections";
import { registerHealthRoutes } from "./api/health";
import { registerMeRoutes } from "./api/me";
import { registerOpenApiRoute } from "./api/openapi";
import { registerPrivacyRoutes } from "./api/privacy";
import { registerReadinessRoutes } from "./api/readiness";
import { registerSampleRoutes } from "./api/samples";
import { securityMiddleware } from "./api/security";
import { registerWebhookRoutes } from "./ingest/routes";

const REQUEST_ID = /^[\w.:-]{8,128}$/;

export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // zod failures at any route boundary become the contract's 400 envelope.
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
        throw new ApiError("BAD_REQUEST", `${where}${issue?.message ?? "invalid request"}`);
      }
    },
  });

  app.use("*", async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("log", createLogger({ request_id: requestId }));
    c.header("x-request-id", requestId);
    await next();
  });

  app.use("*", securityMiddleware());
  registerHealthRoutes(app); // liveness answers even when the configuration is broken

  app.use("*", async (c, next) => {
    c.set("config", loadConfig(c.env));
    let handle: DbHandle | undefined;
    c.set("database", () => (handle ??= openDb(c.get("config"))));
    try {
      await next();
    } finally {
      if (handle) c.executionCtx.waitUntil(handle.close());
    }
  });

  registerOpenApiRoute(app);
  registerWebhookRoutes(app); // vendor-facing: authenticated by signatures, not users

  // Everything under /v1 acts for the bearer token's user and only ever sees that user's data.
  // (Hono applies middleware only to routes registered after it.)
  app.use("/v1/*", requireUser());
  registerConnectionRoutes(app); // /v1/connections (user) and /oauth/:vendor/callback (state-bound)
  registerMeRoutes(app);
  registerReadinessRoutes(app);
  registerBiometricRoutes(app);
  registerSignalRoutes(app);
  registerTrendRoutes(app);
  registerSampleRoutes(app);
  registerPrivacyRoutes(app);

  app.notFound((c) => c.json(errorBody("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`, c.get("requestId") ?? ""), 404));
  app.onError((error, c) => {
    const requestId = c.get("requestId") ?? crypto.randomUUID();
    if (error instanceof ApiError) {
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
      return c.json(errorBody(error.code, error.message, requestId, error.details), error.status);
    }
    if (error instanceof HTTPException) {
      const code = statusToCode(error.status);
      return c.json(errorBody(code, error.message || code.toLowerCase(), requestId), error.status);
    }
    const log = c.get("log") ?? createLogger({ request_id: requestId });
    if (error instanceof ConfigError) {
      log.error("config_invalid", { problems: error.problems.join("; ") });
      return c.json(errorBody("INTERNAL", error.message, requestId), 500);
    }
    const described = describeError(error);
    // A write for a user whose account was erased mid-request: their rows' foreign key to users is gone.
    if (described.db_code === "23503" && String(described.db_constraint ?? "").endsWith("_user_id_fkey")) {
      log.warn("user_gone_during_request", { path: c.req.path });
      return c.json(errorBody("CONFLICT", "the account no longer exists", requestId), 409);
    }
    log.error("unhandled_error", { path: c.req.path, ...described });
    return c.json(errorBody("INTERNAL", "internal error", requestId), 500);
  });
  return app;
}
