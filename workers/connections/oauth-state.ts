// The OAuth `state`: a random, single-use value that binds a vendor's redirect back to the user who
// started the flow. Only its SHA-256 is stored, so a database leak cannot complete anyone's consent.
import { sql } from "drizzle-orm";
import type { Database } from "../lib/db";
import { randomCode, sha256Hex } from "../lib/one-time-codes";
import type { Vendor } from "../vendors/types";

export const OAUTH_STATE_TTL_MS = 10 * 60_000;

/** A fresh state for `userId` connecting `vendor`, valid for ten minutes; the user's stale states go. */
export async function issueOAuthState(db: Database, userId: string, vendor: Vendor, nowMs = Date.now()): Promise<string> {
  const state = randomCode();
  const expiresAt = new Date(nowMs + OAUTH_STATE_TTL_MS).toISOString();
  await db.execute(sql`
    WITH stale AS (DELETE FROM oauth_states WHERE user_id = ${userId} AND expires_at < now())
    INSERT INTO oauth_states (state_hash, user_id, vendor, expires_at)
    VALUES (${await sha256Hex(state)}, ${userId}, ${vendor}, ${expiresAt})`);
  return state;
}

/**
 * Spends a state: the row is deleted in the same statement that reads it, so two callbacks racing
 * with one state cannot both succeed. Returns the user it was issued to, or null when the state is
 * unknown, already used, expired or was issued for another vendor.
 */
export async function consumeOAuthState(db: Database, state: string, vendor: Vendor, nowMs = Date.now()): Promise<string | null> {
  if (state.length === 0 || state.length > 256) return null;
  const result = await db.execute<{ user_id: string; vendor: string; expires_at: string }>(sql`
    DELETE FROM oauth_states WHERE state_hash = ${await sha256Hex(state)}
    RETURNING user_id, vendor, to_json(expires_at) #>> '{}' AS expires_at`);
  const row = result.rows[0];
  if (!row || row.vendor !== vendor || Date.parse(row.expires_at) <= nowMs) return null;
  return row.user_id;
}
