// Routes: OAuth connections to Oura and WHOOP (CONTRACT §3). /v1/connections acts for the bearer
// token's user; the vendor's redirect to /oauth/{vendor}/callback carries no bearer token, so there
// the single-use `state` is what identifies the user.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import type { Context } from "hono";
import { connections, users } from "../../db/schema";
import { audit } from "../lib/audit";
import type { AppEnv } from "../lib/context";
import { ApiError } from "../lib/errors";
import { describeError } from "../lib/logger";
import { errorEnvelopeSchema } from "./openapi";
import {
  AccountInUseError, authorizeUrl, backfillMessage, exchangeCode, oauthRedirectUri, revokeAtVendor, storeConnection,
  vendorAccountId,
} from "../connections/connect";
import { consumeOAuthState, issueOAuthState } from "../connections/oauth-state";
import { getAccessToken, keyRing, openAccessToken, type Connection } from "../connections/tokens";
import { VendorError } from "../vendors/http";
import type { Vendor } from "../vendors/types";

const vendorParam = z.object({
  vendor: z.enum(["oura", "whoop"]).openapi({ param: { name: "vendor", in: "path" }, example: "oura" }),
});

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: errorEnvelopeSchema } } });

const instant = z.string().openapi({ format: "date-time" });
const connectionItem = z.object({
  vendor: z.enum(["oura", "whoop"]),
  // membership_lapsed: Oura refuses data while the user's Oura membership has lapsed; the hub keeps
  // trying and the connection is active again as soon as data returns (no reconnect needed).
  status: z.enum(["active", "needs_reconsent", "membership_lapsed"]),
  connected_at: instant,
  last_sync_at: instant.nullable(),
});

const startRoute = createRoute({
  method: "post",
  path: "/v1/connections/{vendor}",
  summary: "Start connecting a vendor account: the URL of the vendor's consent page",
  security: [{ bearerAuth: [] }],
  request: { params: vendorParam },
  responses: {
    200: {
      description: "Open `authorize_url` in a browser; it carries a single-use `state` valid for ten minutes",
      content: { "application/json": { schema: z.object({ authorize_url: z.url() }) } },
    },
    400: errorResponse("unknown vendor"),
    401: errorResponse("missing or invalid bearer token"),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/connections",
  summary: "The user's vendor connections",
  security: [{ bearerAuth: [] }],
  responses: {
    200: { description: "connections", content: { "application/json": { schema: z.object({ items: z.array(connectionItem) }) } } },
    401: errorResponse("missing or invalid bearer token"),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/connections/{vendor}",
  summary: "Disconnect a vendor: revoke the grant at the vendor where supported and delete the tokens",
  security: [{ bearerAuth: [] }],
  request: { params: vendorParam },
  responses: {
    204: { description: "disconnected (the tokens are deleted even when the vendor could not be reached)" },
    400: errorResponse("unknown vendor"),
    401: errorResponse("missing or invalid bearer token"),
    404: errorResponse("not connected to this vendor"),
  },
});

const callbackQuery = z.object({
  code: z.string().min(1).max(2048).optional(),
  state: z.string().min(1).max(512).optional(),
  error: z.string().max(256).optional(),
});

const callbackRoute = createRoute({
  method: "get",
  path: "/oauth/{vendor}/callback",
  summary: "The vendor's redirect after consent: exchanges the code, stores the tokens encrypted, starts a 30-day backfill",
  request: { params: vendorParam, query: callbackQuery },
  responses: {
    302: {
      description:
        "Back to APP_REDIRECT_URL with `vendor` and `status=connected`, or `status=error&reason=` one of invalid_request, " +
        "invalid_state, access_denied, vendor_error, token_exchange_failed, vendor_unavailable, account_in_use, server_error",
      headers: z.object({ location: z.string() }),
    },
    400: errorResponse("unknown vendor"),
  },
});

type CallbackOutcome = { status: "connected" } | { status: "error"; reason: string };
const failed = (reason: string): CallbackOutcome => ({ status: "error", reason });

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** 302 back to the app. The callback URL held a code and a state: keep it out of caches and referrers. */
function backToApp(c: Context<AppEnv>, vendor: Vendor, outcome: CallbackOutcome): Response {
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  const target = parseUrl(c.get("config").APP_REDIRECT_URL);
  if (!target) {
    // Without a usable app URL there is nowhere to send the browser: answer here instead.
    if (outcome.status === "connected") return c.json({ vendor, status: "connected" }, 200);
    throw new ApiError("BAD_REQUEST", `connection failed: ${outcome.reason}`);
  }
  target.searchParams.set("vendor", vendor);
  target.searchParams.set("status", outcome.status);
  if (outcome.status === "error") target.searchParams.set("reason", outcome.reason);
  return c.redirect(target.toString(), 302);
}

function vendorFailureReason(error: VendorError): string {
  return error.kind === "retryable" ? "vendor_unavailable" : "token_exchange_failed";
}

async function completeConnection(c: Context<AppEnv>, vendor: Vendor, query: z.infer<typeof callbackQuery>): Promise<CallbackOutcome> {
  const { db } = c.get("database")();
  const config = c.get("config");
  const userId = query.state ? await consumeOAuthState(db, query.state, vendor) : null;
  if (!userId) return failed("invalid_state");
  if (query.error) return failed(query.error === "access_denied" ? "access_denied" : "vendor_error");
  if (!query.code) return failed("invalid_request");
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user) return failed("invalid_state");

  const redirectUri = oauthRedirectUri(config, c.req.url, vendor);
  let connectionId: string;
  try {
    const tokens = await exchangeCode(config, vendor, query.code, redirectUri);
    const vendorUserId = await vendorAccountId(config, vendor, tokens.access_token);
    connectionId = await storeConnection(db, config, { userId, vendor, vendorUserId, tokens });
  } catch (error) {
    if (error instanceof AccountInUseError) return failed("account_in_use");
    if (!(error instanceof VendorError)) throw error;
    c.get("log").warn("oauth_connect_failed", { vendor, kind: error.kind, status: error.status, ...describeError(error) });
    return failed(vendorFailureReason(error));
  }
  await c.env.INGEST_QUEUE.send(backfillMessage(connectionId, user.timezone), { contentType: "json" });
  await audit(db, { actorRef: user.auditRef, action: "connect", subjectRef: user.auditRef, resource: `connection:${vendor}`, requestId: c.get("requestId") });
  c.get("log").info("oauth_connected", { vendor });
  return { status: "connected" };
}

/** Best effort: a vendor that cannot be reached must not keep the user's tokens in the hub. */
async function revokeQuietly(c: Context<AppEnv>, connection: Connection): Promise<void> {
  const { db } = c.get("database")();
  const config = c.get("config");
  const vendor = connection.vendor;
  try {
    const token = connection.status === "active"
      ? await getAccessToken(db, config, connection)
      : await openAccessToken(keyRing(config), connection);
    await revokeAtVendor(config, vendor, token);
  } catch (error) {
    const kind = error instanceof VendorError ? error.kind : "unexpected";
    c.get("log").warn("vendor_revoke_failed", { vendor, kind, ...describeError(error) });
  }
}

const iso = (instantText: string) => new Date(instantText).toISOString();

export function registerConnectionRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(startRoute, async (c) => {
    const { vendor } = c.req.valid("param");
    const state = await issueOAuthState(c.get("database")().db, c.get("user").id, vendor);
    const redirectUri = oauthRedirectUri(c.get("config"), c.req.url, vendor);
    c.header("cache-control", "no-store");
    return c.json({ authorize_url: authorizeUrl(c.get("config"), vendor, redirectUri, state) }, 200);
  });

  app.openapi(listRoute, async (c) => {
    const rows = await c.get("database")().db
      .select({ vendor: connections.vendor, status: connections.status, connectedAt: connections.connectedAt, lastSyncAt: connections.lastSyncAt })
      .from(connections)
      .where(eq(connections.userId, c.get("user").id))
      .orderBy(asc(connections.vendor));
    const items = rows.map((row) => ({
      vendor: row.vendor,
      status: row.status,
      connected_at: iso(row.connectedAt),
      last_sync_at: row.lastSyncAt === null ? null : iso(row.lastSyncAt),
    }));
    return c.json({ items }, 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { vendor } = c.req.valid("param");
    const { db } = c.get("database")();
    const user = c.get("user");
    const [connection] = await db.select().from(connections).where(and(eq(connections.userId, user.id), eq(connections.vendor, vendor)));
    if (!connection) throw new ApiError("NOT_FOUND", `not connected to ${vendor}`);
    await revokeQuietly(c, connection);
    await db.delete(connections).where(eq(connections.id, connection.id));
    await audit(db, { actorRef: user.auditRef, action: "disconnect", subjectRef: user.auditRef, resource: `connection:${vendor}`, requestId: c.get("requestId") });
    return c.body(null, 204);
  });

  app.openapi(
    callbackRoute,
    async (c) => {
      const { vendor } = c.req.valid("param");
      let outcome: CallbackOutcome;
      try {
        outcome = await completeConnection(c, vendor, c.req.valid("query"));
      } catch (error) {
        c.get("log").error("oauth_callback_error", { vendor, ...describeError(error) });
        outcome = failed("server_error");
      }
      return backToApp(c, vendor, outcome);
    },
    // A malformed query still sends the browser back to the app, with a reason it can show.
    (result, c) => {
      const vendor = c.req.param("vendor");
      if (!result.success && result.target === "query" && (vendor === "oura" || vendor === "whoop")) {
        return backToApp(c as unknown as Context<AppEnv>, vendor, failed("invalid_request")) as never;
      }
      return app.defaultHook?.(result, c);
    },
  );
}
