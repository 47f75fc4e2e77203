// The OAuth authorization-code flow around a connection: the consent URL, the code exchange, the
// vendor account id, storing the connection, and revoking the grant when the user disconnects.
import { sql } from "drizzle-orm";
import type { Config } from "../env";
import { addDays, todayIn } from "../lib/calendar";
import type { Database } from "../lib/db";
import type { SyncRangeMessage } from "../lib/messages";
import { classifyStatus, VendorError } from "../vendors/http";
import { vendorAdapter, vendorApi } from "../vendors/registry";
import type { FetchLike, Vendor } from "../vendors/types";
import { keyRing, sealTokens } from "./tokens";
import { requestToken, vendorOAuth, type TokenResponse } from "./vendor-oauth";

export const BACKFILL_DAYS = 30;
const REVOKE_TIMEOUT_MS = 10_000;

/** Where the vendor sends the user back: the hub's public origin, or the origin the request came to. */
export function oauthRedirectUri(config: Config, requestUrl: string, vendor: Vendor): string {
  const origin = (config.PUBLIC_BASE_URL ?? new URL(requestUrl).origin).replace(/\/+$/, "");
  return `${origin}/oauth/${vendor}/callback`;
}

export function authorizeUrl(config: Config, vendor: Vendor, redirectUri: string, state: string): string {
  const oauth = vendorOAuth(config, vendor);
  const url = new URL(oauth.authorizeUrl);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", oauth.clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("scope", oauth.scopes);
  url.searchParams.set("state", state);
  return url.toString();
}

export function exchangeCode(config: Config, vendor: Vendor, code: string, redirectUri: string, fetchImpl: typeof fetch = fetch): Promise<TokenResponse> {
  return requestToken(vendorOAuth(config, vendor), { grant_type: "authorization_code", code, redirect_uri: redirectUri }, fetchImpl);
}

/** The vendor's id of the account that consented (Oura personal_info `id`, WHOOP profile `user_id`). */
export function vendorAccountId(config: Config, vendor: Vendor, accessToken: string, fetchImpl: FetchLike = fetch): Promise<string> {
  return vendorAdapter(vendor).accountId(vendorApi(config, vendor, accessToken, fetchImpl));
}

/** The vendor account is already connected to another hub user. */
export class AccountInUseError extends Error {
  override readonly name = "AccountInUseError";
}

/** True when the vendor account is connected to a hub user other than `userId`. */
export async function accountHeldByAnother(db: Database, vendor: Vendor, vendorUserId: string, userId: string): Promise<boolean> {
  const { rows } = await db.execute(sql`
    SELECT 1 FROM connections WHERE vendor = ${vendor} AND vendor_user_id = ${vendorUserId} AND user_id <> ${userId}`);
  return rows.length > 0;
}

export interface NewConnection {
  userId: string;
  vendor: Vendor;
  vendorUserId: string;
  tokens: TokenResponse;
}

function isUniqueViolationOn(error: unknown, column: string): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const { code, constraint } = e as { code?: string; constraint?: string };
    if (code === "23505") return (constraint ?? "").includes(column);
  }
  return false;
}

/**
 * Stores (or replaces) the user's connection to the vendor with encrypted tokens and returns its id.
 * The ciphertexts are bound to the row id, so the id is chosen before encrypting: the existing row's
 * when the user reconnects, a new one otherwise. The upsert only applies to the row with that id; if
 * a concurrent callback created the row first, the loop picks up its id and seals again. Switching
 * to another account of the same vendor clears last_sync_at: the old account's sync says nothing.
 */
export async function storeConnection(db: Database, config: Config, input: NewConnection): Promise<string> {
  const ring = keyRing(config);
  const scopes = input.tokens.scope ?? vendorOAuth(config, input.vendor).scopes;
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await db.execute<{ id: string; user_id: string }>(sql`
      SELECT id, user_id FROM connections
      WHERE vendor = ${input.vendor} AND (user_id = ${input.userId} OR vendor_user_id = ${input.vendorUserId})`);
    if (existing.rows.some((row) => row.user_id !== input.userId)) throw new AccountInUseError(`${input.vendor} account connected to another user`);
    const id = existing.rows[0]?.id ?? crypto.randomUUID();
    const sealed = await sealTokens(ring, id, input.tokens);
    let stored;
    try {
      stored = await db.execute<{ id: string }>(sql`
        INSERT INTO connections (id, user_id, vendor, vendor_user_id, status, access_token_enc, refresh_token_enc, token_expires_at, scopes)
        VALUES (${id}, ${input.userId}, ${input.vendor}, ${input.vendorUserId}, 'active', ${sealed.accessTokenEnc},
                ${sealed.refreshTokenEnc}, ${sealed.tokenExpiresAt}, ${scopes})
        ON CONFLICT (user_id, vendor) DO UPDATE SET
          vendor_user_id = excluded.vendor_user_id, status = 'active',
          access_token_enc = excluded.access_token_enc, refresh_token_enc = excluded.refresh_token_enc,
          token_expires_at = excluded.token_expires_at, scopes = excluded.scopes, connected_at = now(),
          last_sync_at = CASE WHEN connections.vendor_user_id = excluded.vendor_user_id THEN connections.last_sync_at END
        WHERE connections.id = excluded.id
        RETURNING id`);
    } catch (error) {
      if (isUniqueViolationOn(error, "vendor_user_id")) throw new AccountInUseError(`${input.vendor} account connected to another user`);
      throw error;
    }
    if (stored.rows[0]) return stored.rows[0].id;
  }
  throw new Error(`${input.vendor} connection kept changing while it was stored`);
}

/** The 30-day backfill a new connection starts with, in the user's calendar (today included). */
export function backfillMessage(connectionId: string, timeZone: string, nowMs = Date.now()): SyncRangeMessage {
  const today = todayIn(timeZone, nowMs);
  return { kind: "sync_range", connection_id: connectionId, start_date: addDays(today, -(BACKFILL_DAYS - 1)), end_date: today, reason: "backfill" };
}

/**
 * Ends the grant at the vendor (Oura: its revoke endpoint with the access token; WHOOP:
 * `DELETE /v2/user/access` with the bearer token). Throws VendorError; never echoes the token.
 */
export async function revokeAtVendor(config: Config, vendor: Vendor, accessToken: string, fetchImpl: FetchLike = fetch): Promise<void> {
  const { url, init } = vendorAdapter(vendor).revocation(config, accessToken);
  let response: Response;
  try {
    response = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(REVOKE_TIMEOUT_MS) });
  } catch {
    throw new VendorError("retryable", `${vendor} revoke: network error or timeout`, vendor);
  }
  await response.body?.cancel();
  if (!response.ok) throw classifyStatus(vendor, "revoke", response, Date.now());
}
