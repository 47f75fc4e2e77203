// The app factory: shared middleware (request id, config, per-request DB, errors) and every route.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { routePath } from "hono/route";
import { HTTPException } from "hono/http-exception";
import { requestId as hubRequestId } from "hono/request-id";
import { ConfigError, loadConfig } from "./env";
import { DATABASE_RETRY_AFTER_S, isDatabaseUnavailable, openDb, type DbHandle } from "./lib/db";
import { ApiError, errorBody, statusToCode } from "./lib/errors";
import { createLogger, describeError, type Logger } from "./lib/logger";
import { Metrics } from "./lib/metrics";
import { productAnalytics } from "./lib/product-analytics";
import { traceIdOf, traceparentFor } from "./lib/trace";
import type { AppEnv } from "./lib/context";
import { requireUser } from "./api/auth";
import { registerBiometricRoutes } from "./api/biometrics";
import { registerSignalRoutes } from "./api/signals";
import { registerWorkoutRoutes } from "./api/workouts";
import { registerTrendRoutes } from "./api/trends";
import { registerConnectionRoutes } from "./api/connections";
import { registerHealthRoutes } from "./api/health";
import { registerOAuthCallbackRoute } from "./api/oauth-callback";
import { registerMeRoutes } from "./api/me";
import { registerOpenApiRoute } from "./api/openapi";
import { registerPrivacyRoutes } from "./api/privacy";
import { registerReadinessRoutes } from "./api/readiness";
import { registerSampleRoutes } from "./api/samples";
import { securityMiddleware } from "./api/security";
import { registerWebhookRoutes } from "./ingest/routes";
import { registerOpsRoutes } from "./ops/routes";

const CLIENT_REQUEST_ID = /^[\w.:-]{8,128}$/;

// The id is always the hub's own: it is written into audit_log, where a client-chosen value could
// forge or collide with another request's trail. With no header name, hono's middleware neither
// reads the client's x-request-id nor answers one; the summary middleware below sets the header.
const assignRequestId = hubRequestId({ headerName: "" });

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

  app.use("*", assignRequestId);
  app.use("*", async (c, next) => {
    // A well-formed client id is logged beside the hub's own.
    const requestId = c.get("requestId");
    const incoming = c.req.header("x-request-id");
    // Every request has a trace: the caller's when well formed, else a new one (a webhook's continues
    // through the queue, the consumer and the Durable Object).
    const traceparent = traceparentFor(c.req.header("traceparent"));
    c.set("traceparent", traceparent);
    const log = createLogger({ request_id: requestId, trace_id: traceIdOf(traceparent) });
    const metrics = new Metrics(c.env.METRICS);
    c.set("log", log);
    c.set("metrics", metrics);
    // One line ties the client's id to ours, for tracing a request the app reports.
    if (incoming && CLIENT_REQUEST_ID.test(incoming)) log.info("client_request_id", { client_request_id: incoming, path: c.req.path });
    c.header("x-request-id", requestId);
    const startedMs = Date.now();
    await next();
    summarizeRequest(c, log, metrics, startedMs);
  });

  app.use("*", securityMiddleware());
  registerHealthRoutes(app); // liveness answers even when the configuration is broken

  app.use("*", async (c, next) => {
    c.set("config", loadConfig(c.env));
    c.set("analytics", productAnalytics(c.get("config"), c.executionCtx));
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
  registerOAuthCallbackRoute(app); // the vendor's redirect: state-bound, attaches nothing by itself
  registerOpsRoutes(app); // operators only: Cloudflare Access (workers/ops/access.ts)

  // Everything under /v1 acts for the bearer token's user and only ever sees that user's data.
  // (Hono applies middleware only to routes registered after it.)
  app.use("/v1/*", requireUser());
  registerConnectionRoutes(app);
  registerMeRoutes(app);
  registerReadinessRoutes(app);
  registerBiometricRoutes(app);
  registerSignalRoutes(app);
  registerWorkoutRoutes(app);
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
      // The names of missing settings go to the operator's log, not to a caller nobody authenticated.
      log.error("config_invalid", { problems: error.problems.join("; ") });
      return c.json(errorBody("INTERNAL", "service misconfigured", requestId), 500);
    }
    const described = describeError(error);
    // A write for a user whose account was erased mid-request: their rows' foreign key to users is gone.
    if (described.db_code === "23503" && String(described.db_constraint ?? "").endsWith("_user_id_fkey")) {
      log.warn("user_gone_during_request", { path: c.req.path });
      return c.json(errorBody("CONFLICT", "the account no longer exists", requestId), 409);
    }
    if (isDatabaseUnavailable(error)) {
      log.warn("database_unavailable", { path: c.req.path, ...described });
      c.header("retry-after", String(DATABASE_RETRY_AFTER_S));
      return c.json(errorBody("DATABASE_UNAVAILABLE", "the database is unavailable; retry later", requestId), 503);
    }
    log.error("unhandled_error", { path: c.req.path, ...described });
    return c.json(errorBody("INTERNAL", "internal error", requestId), 500);
  });
  return app;
}

/** One line and one data point per request; the data points are written after the response. */
function summarizeRequest(c: Context<AppEnv>, log: Logger, metrics: Metrics, startedMs: number): void {
  // The matched pattern (`/v1/connections/:vendor`), never the raw path: paths can hold ids.
  // After `next`, the route index points at the handler that answered (or the last middleware).
  const matched = routePath(c);
  const route = matched === "*" || matched === "/*" ? "(unmatched)" : matched;
  const durationMs = Date.now() - startedMs;
  log.info("request", { method: c.req.method, route, status: c.res.status, duration_ms: durationMs });
  metrics.request(route, c.req.method, c.res.status, durationMs);
  c.executionCtx.waitUntil(metrics.flush());
}
