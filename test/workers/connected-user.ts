// Hub users with live vendor connections, for any test that needs one. Two ways to make them:
// - `connectedUser`: tokens from the simulator's real OAuth grant, sealed and inserted the way the hub
//   stores them, without going through the hub's routes (no backfill is enqueued);
// - `connectThroughHub`: the whole flow a phone goes through — POST /v1/connections/{vendor}, the
//   simulator's consent page, the hub's callback (which holds the account and hands out a connect
//   code), POST /v1/connections/{vendor}/complete — which also enqueues the 30-day backfill.
// Every call makes fresh ids, as the database and the simulators are shared.
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { and, eq } from "drizzle-orm";
import { connections, users } from "../../db/schema";
import { keyRing, sealTokens } from "../../workers/connections/tokens";
import { requestToken, vendorOAuth } from "../../workers/connections/vendor-oauth";
import { loadConfig } from "../../workers/env";
import type { Vendor } from "../../workers/vendors/types";
import { testDb, testEnv } from "./helpers";
import { bearer, sim } from "./sim";

export const HUB_ORIGIN = "http://hub.test";

export interface ConnectedUser {
  subject: string;
  userId: string;
  connectionId: string;
  vendor: Vendor;
  /** The vendor's account id as the hub stores it (WHOOP's numeric id as a string). */
  vendorUserId: string;
  /** WHOOP's numeric id (only meaningful for WHOOP connections). */
  whoopUserId: number;
}

function newVendorAccountIds(vendor: Vendor): { vendorUserId: string; whoopUserId: number } {
  const whoopUserId = 200_000_000 + Math.floor(Math.random() * 1_000_000_000);
  return { vendorUserId: vendor === "oura" ? `oura-${crypto.randomUUID()}` : String(whoopUserId), whoopUserId };
}

async function addToSimulator(vendor: Vendor, ids: { vendorUserId: string; whoopUserId: number }): Promise<void> {
  if (vendor === "oura") await sim.oura.addUser(ids.vendorUserId);
  else await sim.whoop.addUser(ids.whoopUserId);
}

/** A new account in the vendor's simulator; returns its id as the hub stores it. */
export async function addSimulatedAccount(vendor: Vendor): Promise<string> {
  const ids = newVendorAccountIds(vendor);
  await addToSimulator(vendor, ids);
  return ids.vendorUserId;
}

// ---- Direct: the simulator's grant, stored without the hub's routes ----------------------------

const REDIRECT_URI = "https://hub.test/oauth/callback";

async function authorizationCode(vendor: Vendor, vendorUserId: string): Promise<string> {
  const oauth = vendorOAuth(loadConfig(testEnv), vendor);
  const url = new URL(oauth.authorizeUrl);
  url.search = new URLSearchParams({
    client_id: oauth.clientId, redirect_uri: REDIRECT_URI, response_type: "code", scope: oauth.scopes,
    state: crypto.randomUUID(), user: vendorUserId,
  }).toString();
  const res = await fetch(url, { redirect: "manual" });
  const code = new URL(res.headers.get("location") ?? "about:blank").searchParams.get("code");
  if (!code) throw new Error(`${vendor} simulator gave no authorization code`);
  return code;
}

export async function connectedUser(vendor: Vendor, options: { timezone?: string; status?: "active" | "needs_reconsent" } = {}): Promise<ConnectedUser> {
  const ids = newVendorAccountIds(vendor);
  await addToSimulator(vendor, ids);
  const config = loadConfig(testEnv);
  const tokens = await requestToken(vendorOAuth(config, vendor), {
    grant_type: "authorization_code", code: await authorizationCode(vendor, ids.vendorUserId), redirect_uri: REDIRECT_URI,
  });
  const connectionId = crypto.randomUUID();
  const sealed = await sealTokens(keyRing(config), connectionId, tokens);
  const subject = `test-${crypto.randomUUID()}`;
  const { pool, close } = testDb();
  try {
    const { rows } = await pool.query<{ id: string }>(
      "INSERT INTO users (subject, timezone) VALUES ($1, $2) RETURNING id",
      [subject, options.timezone ?? "UTC"],
    );
    const userId = rows[0]!.id;
    await pool.query(
      `INSERT INTO connections (id, user_id, vendor, vendor_user_id, status, access_token_enc, refresh_token_enc, token_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [connectionId, userId, vendor, ids.vendorUserId, options.status ?? "active", sealed.accessTokenEnc, sealed.refreshTokenEnc, sealed.tokenExpiresAt],
    );
    return { subject, userId, connectionId, vendor, ...ids };
  } finally {
    await close();
  }
}

// ---- Through the hub: the flow a phone goes through ---------------------------------------------

/** POST /v1/connections/{vendor} as the user: the vendor consent URL. */
export async function startConnect(vendor: Vendor, auth: Record<string, string>): Promise<string> {
  const res = await SELF.fetch(`${HUB_ORIGIN}/v1/connections/${vendor}`, { method: "POST", headers: auth });
  expect(res.status).toBe(200);
  return ((await res.json()) as { authorize_url: string }).authorize_url;
}

/**
 * Consents at the simulator as `vendorUserId` (or declines with `deny`) and returns where the vendor
 * redirects the browser: the hub's callback URL with `code` and `state`.
 */
export async function consentAt(authorizeUrl: string, vendorUserId: string, options: { deny?: boolean } = {}): Promise<string> {
  const url = new URL(authorizeUrl);
  url.searchParams.set("user", vendorUserId);
  if (options.deny) url.searchParams.set("deny", "1");
  const res = await fetch(url, { redirect: "manual" });
  await res.body?.cancel();
  expect(res.status).toBe(302);
  return res.headers.get("location")!;
}

/** Calls the hub's callback the way the browser would; returns the redirect back to the app. */
export async function followCallback(callbackUrl: string): Promise<{ status: number; location: URL | null }> {
  const res = await SELF.fetch(callbackUrl, { redirect: "manual" });
  await res.body?.cancel();
  const location = res.headers.get("location");
  return { status: res.status, location: location ? new URL(location) : null };
}

/** The connect code in the callback's redirect back to the app (status=pending). */
export function connectCodeOf(back: { status: number; location: URL | null }): string {
  expect(back.status).toBe(302);
  expect(back.location?.searchParams.get("status")).toBe("pending");
  const code = back.location?.searchParams.get("connect_code");
  if (!code) throw new Error("the callback handed out no connect code");
  return code;
}

/** POST /v1/connections/{vendor}/complete as the holder of `auth`. */
export async function completeConnect(vendor: Vendor, auth: Record<string, string>, connectCode: string): Promise<Response> {
  return SELF.fetch(`${HUB_ORIGIN}/v1/connections/${vendor}/complete`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ connect_code: connectCode }),
  });
}

export interface ConnectThroughHubOptions {
  /** Reuse a hub user (default: a new random subject). */
  subject?: string;
  /** Reuse a simulated vendor account (default: a new one, added to the simulator). */
  vendorUserId?: string;
  /** Runs after the simulated account exists and before consent, e.g. to seed its history. */
  beforeConnect?: (vendorUserId: string) => Promise<void>;
}

/** Runs the whole flow, checks that it ended connected, and returns fresh bearer headers too. */
export async function connectThroughHub(
  vendor: Vendor,
  options: ConnectThroughHubOptions = {},
): Promise<ConnectedUser & { auth: Record<string, string> }> {
  const subject = options.subject ?? `athlete-${crypto.randomUUID()}`;
  const auth = await bearer(subject);
  const vendorUserId = options.vendorUserId ?? (await addSimulatedAccount(vendor));
  await options.beforeConnect?.(vendorUserId);
  const back = await followCallback(await consentAt(await startConnect(vendor, auth), vendorUserId));
  const completed = await completeConnect(vendor, auth, connectCodeOf(back));
  expect(completed.status).toBe(200);
  expect(await completed.json()).toMatchObject({ vendor, status: "connected" });
  const { db, close } = testDb();
  try {
    const [row] = await db
      .select({ userId: users.id, connectionId: connections.id })
      .from(connections)
      .innerJoin(users, eq(users.id, connections.userId))
      .where(and(eq(users.subject, subject), eq(connections.vendor, vendor)));
    if (!row) throw new Error(`no ${vendor} connection stored for ${subject}`);
    const whoopUserId = vendor === "whoop" ? Number(vendorUserId) : 0;
    return { subject, userId: row.userId, connectionId: row.connectionId, vendor, vendorUserId, whoopUserId, auth };
  } finally {
    await close();
  }
}

/** The app deep link the callback redirects to (APP_REDIRECT_URL). */
export function appRedirectBase(): string {
  return testEnv.APP_REDIRECT_URL!;
}
