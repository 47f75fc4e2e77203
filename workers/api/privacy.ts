// Routes: the user's export (GET /v1/me/export) and erasure (DELETE /v1/me), CONTRACT §4.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { VENDORS } from "../../db/sources";
import { audit } from "../lib/audit";
import type { AppEnv } from "../lib/context";
import { openDb } from "../lib/db";
import { ApiError, errorResponse } from "../lib/errors";
import { eraseUser } from "../privacy/erasure";
import { forgetCopies } from "./readiness-edge";
import { EXPORT_SECTIONS, exportStream } from "../privacy/export";

const items = z.array(z.record(z.string(), z.unknown()));

const exportSchema = z
  .object({
    user: z.object({ id: z.uuid(), timezone: z.string(), created_at: z.string() }).loose(),
    connections: z.array(z.object({ vendor: z.enum(VENDORS), status: z.string(), connected_at: z.string() }).loose()),
    sleep: items,
    hrv: items,
    samples: items,
    readiness: items,
    audit: items,
    sleep_sessions: items,
    vendor_records: items,
    webhook_events: items,
  })
  .openapi("Export", { description: "Every row the hub holds about the user; connections never include tokens." });

const exportRoute = createRoute({
  method: "get",
  path: "/v1/me/export",
  summary: "All of the user's data as one JSON document (GDPR Art. 15/20)",
  security: [{ bearerAuth: [] }],
  responses: {
    200: { description: "the export, streamed", content: { "application/json": { schema: exportSchema } } },
    401: errorResponse("missing or invalid bearer token"),
    429: errorResponse("too many requests"),
    503: errorResponse("the database could not be reached; retry"),
  },
});

const eraseRoute = createRoute({
  method: "delete",
  path: "/v1/me",
  summary: "Erase the user's data everywhere it lives (GDPR Art. 17)",
  description:
    "Deletes every row about the user, the readiness cache and its live sockets, and revokes the vendor grants " +
    "(revocation finishes in the background and never blocks the erasure). One audit record without biometric " +
    "data remains. A later request with a valid token starts a new, empty account.",
  security: [{ bearerAuth: [] }],
  responses: {
    202: { description: "erased", content: { "application/json": { schema: z.object({ status: z.literal("erased") }) } } },
    401: errorResponse("missing or invalid bearer token"),
    429: errorResponse("too many requests"),
    503: errorResponse("a store could not be reached; nothing was erased, retry"),
  },
});

export function registerPrivacyRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(exportRoute, async (c) => {
    const user = c.get("user");
    // Audited before a single byte leaves: an export that cannot be recorded does not happen.
    await audit(c.get("database")().db, {
      actorRef: user.auditRef, action: "export", subjectRef: user.auditRef, resource: "export", requestId: c.get("requestId"),
    });
    c.get("analytics").capture(user.id, "export_requested");
    // Its own pool: the stream outlives this handler, and the request's pool closes when it returns.
    const handle = openDb(c.get("config"));
    const client = await handle.pool.connect().catch(async () => {
      await handle.close();
      throw new ApiError("DATABASE_UNAVAILABLE", "the database could not be reached; retry", { "retry-after": "5" });
    });
    const log = c.get("log");
    const stream = exportStream(client, user.id, async (error) => {
      if (error) log.error("export_failed", { sections: EXPORT_SECTIONS.length });
      client.release();
      await handle.close();
    });
    const streamed = c.body(stream, 200, {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": 'attachment; filename="hub-export.json"',
    });
    // The document is the JSON the schema describes, written as a stream the route's types cannot follow.
    return streamed as never;
  });

  app.openapi(eraseRoute, async (c) => {
    const { revocations } = await eraseUser(
      {
        db: c.get("database")().db, env: c.env, config: c.get("config"), log: c.get("log"), requestId: c.get("requestId"),
        forgetCachedReadiness: forgetCopies,
      },
      c.get("user"),
    );
    c.executionCtx.waitUntil(revocations);
    const analytics = c.get("analytics");
    analytics.captureUnlinked("erasure_completed");
    analytics.forget(c.get("user").id);
    return c.json({ status: "erased" as const }, 202);
  });
}
