// Pending connections: a vendor account that consented, held (tokens sealed) until the hub user who
// started the flow claims it with the connect code. The browser that consented may belong to anyone
// the `authorize_url` was sent to, so the OAuth callback alone never attaches an account; only the
// starting user's app, holding that user's bearer token, can (RFC 9700 §4.4, account linking).
import { sql } from "drizzle-orm";
import type { Config } from "../env";
import type { Database } from "../lib/db";
import { randomCode, sha256Hex } from "../lib/one-time-codes";
import type { Vendor } from "../vendors/types";
import { keyRing, openAccessToken, openRefreshToken, sealTokens } from "./tokens";
import { vendorOAuth, type TokenResponse } from "./vendor-oauth";

export const CONNECT_CODE_TTL_MS = 10 * 60_000;

export type PendingConnection = {
  id: string;
  startedBy: string;
  vendor: Vendor;
  vendorUserId: string;
  accessTokenEnc: string;
  refreshTokenEnc: string | null;
  tokenExpiresAt: string | null;
  scopes: string;
  expiresAt: string;
};

/** The ciphertexts' AAD names the pending row, so they cannot be moved into a connection row as they are. */
const sealedAs = (id: string) => `pending-${id}`;

/** Holds the consented account's tokens for `startedBy`; resolves with the single-use connect code. */
export async function holdPendingConnection(
  db: Database,
  config: Config,
  input: { startedBy: string; vendor: Vendor; vendorUserId: string; tokens: TokenResponse },
  nowMs = Date.now(),
): Promise<string> {
  const id = crypto.randomUUID();
  const code = randomCode();
  const sealed = await sealTokens(keyRing(config), sealedAs(id), input.tokens, nowMs);
  await db.execute(sql`
    INSERT INTO pending_connections (id, code_hash, started_by, vendor, vendor_user_id, access_token_enc, refresh_token_enc,
                                     token_expires_at, scopes, expires_at)
    VALUES (${id}, ${await sha256Hex(code)}, ${input.startedBy}, ${input.vendor}, ${input.vendorUserId}, ${sealed.accessTokenEnc},
            ${sealed.refreshTokenEnc}, ${sealed.tokenExpiresAt}, ${input.tokens.scope ?? vendorOAuth(config, input.vendor).scopes},
            ${new Date(nowMs + CONNECT_CODE_TTL_MS).toISOString()})`);
  return code;
}

/**
 * Spends a connect code: the row is deleted by the statement that reads it, so a code works once
 * whatever the outcome. Null when the code is unknown, used, or was issued for another vendor.
 */
export async function claimPendingConnection(db: Database, code: string, vendor: Vendor): Promise<PendingConnection | null> {
  const { rows } = await db.execute<PendingConnection>(sql`
    DELETE FROM pending_connections WHERE code_hash = ${await sha256Hex(code)} AND vendor = ${vendor}
    RETURNING id, started_by AS "startedBy", vendor, vendor_user_id AS "vendorUserId", access_token_enc AS "accessTokenEnc",
              refresh_token_enc AS "refreshTokenEnc", to_json(token_expires_at) #>> '{}' AS "tokenExpiresAt", scopes,
              to_json(expires_at) #>> '{}' AS "expiresAt"`);
  return rows[0] ?? null;
}

export const isExpired = (pending: PendingConnection, nowMs = Date.now()) => Date.parse(pending.expiresAt) <= nowMs;

/** The held tokens in the clear, as a token response (lifetime counted from now) to store for the user. */
export async function openPendingTokens(config: Config, pending: PendingConnection, nowMs = Date.now()): Promise<TokenResponse> {
  const ring = keyRing(config);
  const sealed = { id: sealedAs(pending.id), accessTokenEnc: pending.accessTokenEnc, refreshTokenEnc: pending.refreshTokenEnc };
  const refreshToken = await openRefreshToken(ring, sealed);
  // An access token that ran out while pending gets a one-second lifetime: the first use refreshes it.
  const expiresIn = pending.tokenExpiresAt === null ? undefined : Math.max(1, Math.floor((Date.parse(pending.tokenExpiresAt) - nowMs) / 1000));
  return {
    access_token: await openAccessToken(ring, sealed),
    scope: pending.scopes,
    ...(refreshToken === null ? {} : { refresh_token: refreshToken }),
    ...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
  };
}
