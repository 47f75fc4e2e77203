// Access to a connection's vendor tokens: decrypted on demand, refreshed shortly before expiry.
// Refresh is serialized per connection with a row lock, because vendors rotate refresh tokens and a
// second concurrent refresh with the old one would fail and lock the user out.
import { eq, sql } from "drizzle-orm";
import { connections } from "../../db/schema";
import type { Config } from "../env";
import type { Database } from "../lib/db";
import { decryptToken, encryptToken, parseKeyRing, type KeyRing } from "../lib/token-crypto";
import { VendorError } from "../vendors/http";
import { vendorAdapter } from "../vendors/registry";
import type { Vendor } from "../vendors/types";
import { requestToken, vendorOAuth, type TokenResponse } from "./vendor-oauth";

const REFRESH_MARGIN_MS = 5 * 60_000;

export type Connection = typeof connections.$inferSelect;

export function keyRing(config: Config): KeyRing {
  return parseKeyRing(config.TOKEN_ENCRYPTION_KEYS);
}

/** The encrypted column values for a token response; `aad` ties them to the connection row. */
export async function sealTokens(ring: KeyRing, connectionId: string, tokens: TokenResponse, now = Date.now()) {
  return {
    accessTokenEnc: await encryptToken(ring, tokens.access_token, `${connectionId}:access`),
    refreshTokenEnc: tokens.refresh_token ? await encryptToken(ring, tokens.refresh_token, `${connectionId}:refresh`) : null,
    tokenExpiresAt: tokens.expires_in ? new Date(now + tokens.expires_in * 1000).toISOString() : null,
  };
}

export async function openAccessToken(ring: KeyRing, connection: Pick<Connection, "id" | "accessTokenEnc">): Promise<string> {
  return decryptToken(ring, connection.accessTokenEnc, `${connection.id}:access`);
}

export async function openRefreshToken(ring: KeyRing, connection: Pick<Connection, "id" | "refreshTokenEnc">): Promise<string | null> {
  return connection.refreshTokenEnc ? decryptToken(ring, connection.refreshTokenEnc, `${connection.id}:refresh`) : null;
}

function needsRefresh(connection: Connection, now: number): boolean {
  return connection.tokenExpiresAt !== null && Date.parse(connection.tokenExpiresAt) - now < REFRESH_MARGIN_MS;
}

/** Marks a connection as needing the user's consent again (vendor said 401/403 or refused the grant). */
export async function markNeedsReconsent(db: Database, connectionId: string): Promise<void> {
  await db.update(connections).set({ status: "needs_reconsent" }).where(eq(connections.id, connectionId));
}

/**
 * Sets the connection's status when it differs. `membership_lapsed` is Oura's 403 on data: no
 * re-consent can help, so the hub keeps asking and the connection turns active on the first answer.
 */
async function setStatus(db: Database, connection: Connection, status: Connection["status"]): Promise<void> {
  if (connection.status === status) return;
  await db.update(connections).set({ status }).where(eq(connections.id, connection.id));
}

/**
 * A usable access token for the connection, refreshing it first when it expires within five
 * minutes. Throws VendorError("auth") when the user must reconnect (and marks the connection so).
 */
export async function getAccessToken(db: Database, config: Config, connection: Connection, fetchImpl: typeof fetch = fetch): Promise<string> {
  const ring = keyRing(config);
  if (connection.status === "needs_reconsent") {
    throw new VendorError("auth", `${connection.vendor} connection needs consent`, connection.vendor as Vendor);
  }
  if (!needsRefresh(connection, Date.now())) return openAccessToken(ring, connection);
  const vendor = connection.vendor as Vendor;
  // Failures leave the transaction as values: throwing inside it would roll back the status change.
  const outcome = await db.transaction(async (tx): Promise<{ token: string } | { error: unknown }> => {
    await tx.execute(sql`SELECT id FROM connections WHERE id = ${connection.id} FOR UPDATE`);
    const current = (await tx.select().from(connections).where(eq(connections.id, connection.id)))[0];
    if (!current) return { error: new VendorError("auth", `${vendor} connection was removed`, vendor) };
    // Another isolate may have refreshed while we waited for the lock.
    if (!needsRefresh(current, Date.now())) return { token: await openAccessToken(ring, current) };
    const refreshToken = await openRefreshToken(ring, current);
    try {
      if (!refreshToken) throw new VendorError("auth", `${vendor} access token expired and no refresh token`, vendor);
      // Some vendors want more than the token (WHOOP: scope=offline, or no new refresh token comes back).
      const grant = { grant_type: "refresh_token", refresh_token: refreshToken, ...vendorAdapter(vendor).oauth.refreshParams };
      const tokens = await requestToken(vendorOAuth(config, vendor), grant, fetchImpl);
      const sealed = await sealTokens(ring, current.id, { ...tokens, refresh_token: tokens.refresh_token ?? refreshToken });
      await tx.update(connections).set(sealed).where(eq(connections.id, current.id));
      return { token: tokens.access_token };
    } catch (error) {
      if (error instanceof VendorError && error.kind === "auth") {
        await tx.update(connections).set({ status: "needs_reconsent" }).where(eq(connections.id, current.id));
      }
      return { error };
    }
  });
  if ("error" in outcome) throw outcome.error;
  return outcome.token;
}

/**
 * Runs a vendor API call with the connection's access token. A 401/403 from the vendor means the
 * grant was revoked or a scope withdrawn: the connection is marked needs_reconsent, then the error
 * goes on to the caller. Oura's 403 on data (membership lapsed) marks it membership_lapsed instead;
 * the first call that succeeds afterwards makes it active again.
 */
export async function withAccessToken<T>(
  db: Database,
  config: Config,
  connection: Connection,
  call: (accessToken: string) => Promise<T>,
  fetchImpl: typeof fetch = fetch,
): Promise<T> {
  const accessToken = await getAccessToken(db, config, connection, fetchImpl);
  let result: T;
  try {
    result = await call(accessToken);
  } catch (error) {
    if (error instanceof VendorError && error.kind === "auth") await markNeedsReconsent(db, connection.id);
    if (error instanceof VendorError && error.kind === "membership_lapsed") await setStatus(db, connection, "membership_lapsed");
    throw error;
  }
  await setStatus(db, connection, "active");
  return result;
}
