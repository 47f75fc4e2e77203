// Routes: OAuth connections to Oura and WHOOP (CONTRACT §3), all acting for the bearer token's user.
// Connecting takes three steps: start (consent URL with a state bound to the user), the vendor's
// redirect to /oauth/{vendor}/callback (oauth-callback.ts: holds the account, hands out a connect
// code), and complete, where only the user who started the flow can attach the account.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import type { Context } from "hono";
import { connections } from "../../db/schema";
import { VENDORS } from "../../db/sources";
import { readinessClient } from "../../durable-objects/client";
import { audit } from "../lib/audit";
import type { AppEnv } from "../lib/context";
import { ApiError, errorResponse } from "../lib/errors";
import { describeError } from "../lib/logger";
import {
  AccountInUseError, authorizeUrl, backfillMessage, oauthRedirectUri, revokeAtVendor, storeConnection,
} from "../connections/connect";
import { issueOAuthState } from "../connections/oauth-state";
import { claimPendingConnection, isExpired, openPendingTokens, type PendingConnection } from "../connections/pending";
import { getAccessToken, keyRing, openAccessToken, type Connection } from "../connections/tokens";
import { VendorError } from "../vendors/http";
import type { Vendor } from "../vendors/types";
import { limitBody, SMALL_BODY_MAX_BYTES } from "../lib/body-limit";

const vendorName = z.enum(VENDORS);

export const vendorParam = z.object({
  vendor: vendorName.openapi({ param: { name: "vendor", in: "path" }, example: "oura" }),
});

const instant = z.string().openapi({ format: "date-time" });
const connectionItem = z.object({
  vendor: vendorName,
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

const completeRoute = createRoute({
  method: "post",
  path: "/v1/connections/{vendor}/complete",
  summary: "Finish connecting: attach the account the callback held, by its connect code",
  description:
    "Only the user who started the flow (`POST /v1/connections/{vendor}`) can attach the account; anyone else gets 403 " +
    "and the held grant is revoked at the vendor. A code works once, for ten minutes. On success the 30-day backfill starts.",
  security: [{ bearerAuth: [] }],
  middleware: [limitBody(SMALL_BODY_MAX_BYTES)] as const,
  request: {
    params: vendorParam,
    body: { required: true, content: { "application/json": { schema: z.object({ connect_code: z.string().min(1).max(256) }).strict() } } },
  },
  responses: {
    200: {
      description: "connected",
      content: {
        "application/json": {
          schema: z.object({ vendor: vendorName, status: z.literal("connected"), connected_at: instant, last_sync_at: instant.nullable() }),
        },
      },
    },
    400: errorResponse("unknown, used or expired connect code, or a malformed body"),
    401: errorResponse("missing or invalid bearer token"),
    403: errorResponse("the flow was started by another user; the held grant was revoked"),
    409: errorResponse("the vendor account was connected to another user meanwhile"),
    413: errorResponse(`body over ${SMALL_BODY_MAX_BYTES} bytes`),
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

/** Best effort: a vendor that cannot be reached must not keep the tokens in the hub. */
async function revokeQuietly(c: Context<AppEnv>, vendor: Vendor, accessToken: () => Promise<string>): Promise<void> {
  try {
    await revokeAtVendor(c.get("config"), vendor, await accessToken());
  } catch (error) {
    const kind = error instanceof VendorError ? error.kind : "unexpected";
    c.get("log").warn("vendor_revoke_failed", { vendor, kind, ...describeError(error) });
  }
}

function connectionToken(c: Context<AppEnv>, connection: Connection): () => Promise<string> {
  return () => connection.status === "active"
    ? getAccessToken(c.get("database")().db, c.get("config"), connection)
    : openAccessToken(keyRing(c.get("config")), connection);
}

const pendingToken = (c: Context<AppEnv>, pending: PendingConnection) => async () =>
  (await openPendingTokens(c.get("config"), pending)).access_token;

const iso = (instantText: string) => new Date(instantText).toISOString();

/** Attaches a claimed account to the caller, starts its backfill and answers its connection. */
async function attach(c: Context<AppEnv>, pending: PendingConnection) {
  const { db } = c.get("database")();
  const user = c.get("user");
  let connectionId: string;
  try {
    const tokens = await openPendingTokens(c.get("config"), pending);
    connectionId = await storeConnection(db, c.get("config"), { userId: user.id, vendor: pending.vendor, vendorUserId: pending.vendorUserId, tokens });
  } catch (error) {
    if (error instanceof AccountInUseError) throw new ApiError("CONFLICT", `this ${pending.vendor} account is connected to another user`);
    throw error;
  }
  await c.env.INGEST_QUEUE.send(backfillMessage(connectionId, user.timezone), { contentType: "json" });
  await audit(db, { actorRef: user.auditRef, action: "connect", subjectRef: user.auditRef, resource: `connection:${pending.vendor}`, requestId: c.get("requestId") });
  const [row] = await db.select().from(connections).where(eq(connections.id, connectionId));
  if (!row) throw new ApiError("CONFLICT", "the connection was removed meanwhile");
  c.get("log").info("oauth_connected", { vendor: pending.vendor });
  c.get("analytics").capture(user.id, "connection_created", { vendor: pending.vendor });
  return { vendor: pending.vendor, status: "connected" as const, connected_at: iso(row.connectedAt), last_sync_at: row.lastSyncAt === null ? null : iso(row.lastSyncAt) };
}

export function registerConnectionRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(startRoute, async (c) => {
    const { vendor } = c.req.valid("param");
    const state = await issueOAuthState(c.get("database")().db, c.get("user").id, vendor);
    const redirectUri = oauthRedirectUri(c.get("config"), c.req.url, vendor);
    c.header("cache-control", "no-store");
    return c.json({ authorize_url: authorizeUrl(c.get("config"), vendor, redirectUri, state) }, 200);
  });

  app.openapi(completeRoute, async (c) => {
    const { vendor } = c.req.valid("param");
    const pending = await claimPendingConnection(c.get("database")().db, c.req.valid("json").connect_code, vendor);
    if (!pending) throw new ApiError("BAD_REQUEST", "unknown or already used connect code");
    if (isExpired(pending)) {
      c.executionCtx.waitUntil(revokeQuietly(c, vendor, pendingToken(c, pending)));
      throw new ApiError("BAD_REQUEST", "connect code expired; connect again");
    }
    if (pending.startedBy !== c.get("user").id) {
      // Someone else consented on this user's consent link, or this user holds someone else's code:
      // neither account may be linked, and the grant the vendor issued ends here.
      await revokeQuietly(c, vendor, pendingToken(c, pending));
      c.get("log").warn("oauth_connect_refused_other_user", { vendor });
      throw new ApiError("FORBIDDEN", "this connection was started by another user");
    }
    return c.json(await attach(c, pending), 200);
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
    await revokeQuietly(c, vendor, connectionToken(c, connection));
    await db.delete(connections).where(eq(connections.id, connection.id));
    // Live readiness sockets were opened against the old set of sources: the app reconnects.
    await readinessClient(c.env, user.id).closeLive("vendor disconnected")
      .catch((error: unknown) => c.get("log").warn("live_close_failed", describeError(error)));
    await audit(db, { actorRef: user.auditRef, action: "disconnect", subjectRef: user.auditRef, resource: `connection:${vendor}`, requestId: c.get("requestId") });
    c.get("analytics").capture(user.id, "connection_removed", { vendor });
    return c.body(null, 204);
  });
}
