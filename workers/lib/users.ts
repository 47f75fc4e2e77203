// Users are provisioned on first use from the token's `sub`: one round trip, no read-then-write race.
//
// Postgres outages: reads of cached readiness keep working while Postgres is down, and they need to
// know whose data to read. So after each successful provisioning the subject → user mapping is also
// kept outside Postgres (the caller's IdentityMemory: a Durable Object per subject, durable and shared
// by every isolate), and when Postgres cannot be reached a verified subject is identified from it.
// The write happens in the background, at most once per isolate for each (subject, user) value.
//
// Verified subjects are also cached in the isolate for VERIFIED_USER_TTL_MS (30 s), so that a read
// served from the Durable Object cache needs no Postgres at all. The price: another isolate may act
// for up to 30 s on a time zone changed meanwhile, or for a user erased meanwhile (whose writes then
// fail on the users foreign key and whose reads find nothing). PATCH /v1/me and erasure forget the
// entry in their own isolate at once (forgetVerifiedUser).
import { sql } from "drizzle-orm";
import type { Database, DbHandle } from "./db";
import type { RequestUser } from "./context";
import { ApiError } from "./errors";
import { describeError, type Logger } from "./logger";

export async function provisionUser(db: Database, subject: string): Promise<RequestUser> {
  const result = await db.execute<{ id: string; audit_ref: string; timezone: string }>(sql`
    INSERT INTO users (subject) VALUES (${subject})
    ON CONFLICT (subject) DO UPDATE SET subject = excluded.subject
    RETURNING id, audit_ref, timezone`);
  const row = result.rows[0]!;
  return { id: row.id, auditRef: row.audit_ref, timezone: row.timezone };
}

/** A subject's user as last provisioned, kept where a Postgres outage cannot reach it. */
export interface RememberedUser {
  remember(user: RequestUser): Promise<void>;
  recall(): Promise<RequestUser | null>;
}

export interface IdentifyOptions {
  memory: RememberedUser;
  waitUntil: (work: Promise<unknown>) => void;
  /** A connection of its own for a refresh that may outlive the request's. */
  openDatabase: () => DbHandle;
  log: Logger;
}

const MAX_REMEMBERED_IN_ISOLATE = 10_000;
/** subject → JSON of the user last written to the memory from this isolate. */
const writtenFromIsolate = new Map<string, string>();

export const VERIFIED_USER_TTL_MS = 30_000;
/**
 * Past an age between these two, one request refreshes the entry in the background while the others
 * keep using it. The spread keeps users cached together (a burst of app starts) from all refreshing
 * in the same instant, each refresh being a new Postgres connection on the isolate's one thread.
 */
const VERIFIED_USER_REFRESH_MS = { from: 12_000, to: 24_000 };
const MAX_VERIFIED_IN_ISOLATE = 10_000;

interface VerifiedEntry {
  user: RequestUser;
  cachedAt: number;
  refreshAt: number;
  refreshing: boolean;
}
/** subject → the user provisioned from Postgres for it, when, and whether a refresh is running. */
const verifiedInIsolate = new Map<string, VerifiedEntry>();

function cacheUser(subject: string, user: RequestUser): void {
  if (verifiedInIsolate.size >= MAX_VERIFIED_IN_ISOLATE) verifiedInIsolate.clear();
  const now = Date.now();
  const { from, to } = VERIFIED_USER_REFRESH_MS;
  verifiedInIsolate.set(subject, { user, cachedAt: now, refreshAt: now + from + Math.random() * (to - from), refreshing: false });
}

/** Drops the user from this isolate's cache (profile changed, account erased). */
export function forgetVerifiedUser(userId: string): void {
  for (const [subject, entry] of verifiedInIsolate) {
    if (entry.user.id === userId) verifiedInIsolate.delete(subject);
  }
}

/**
 * The token subject's user: cached in the isolate, else provisioned in Postgres (opened only then),
 * else remembered when Postgres is unreachable. An entry past its refresh age is refreshed by one
 * request in the background while every request keeps using it, so that under
 * steady traffic no request waits for Postgres because a cache entry aged out (without this, each of
 * a user's requests in flight at expiry opened its own connection).
 */
export async function identifyUser(database: () => Database, subject: string, options: IdentifyOptions): Promise<RequestUser> {
  const entry = verifiedInIsolate.get(subject);
  const now = Date.now();
  if (entry && now - entry.cachedAt < VERIFIED_USER_TTL_MS) {
    if (now >= entry.refreshAt && !entry.refreshing) {
      entry.refreshing = true;
      options.waitUntil(refreshInBackground(subject, entry, options));
    }
    return entry.user;
  }
  if (entry) verifiedInIsolate.delete(subject);
  let user: RequestUser;
  try {
    user = await provisionUser(database(), subject);
  } catch (error) {
    const remembered = await options.memory.recall().catch(() => null);
    if (!remembered) {
      options.log.error("user_lookup_failed", describeError(error));
      throw new ApiError("UNAVAILABLE", "user directory unavailable, retry later", { "retry-after": "30" });
    }
    options.log.warn("user_identified_from_memory", describeError(error));
    return remembered;
  }
  provisioned(subject, user, options);
  return user;
}

async function refreshInBackground(subject: string, entry: { refreshing: boolean }, options: IdentifyOptions): Promise<void> {
  const handle = options.openDatabase();
  try {
    provisioned(subject, await provisionUser(handle.db, subject), options);
  } catch (error) {
    // The entry stays usable until its TTL; the next request past the refresh age tries again.
    entry.refreshing = false;
    options.log.warn("user_refresh_failed", describeError(error));
  } finally {
    await handle.close();
  }
}

/** Caches a freshly provisioned user, and keeps it outside Postgres when it changed. */
function provisioned(subject: string, user: RequestUser, options: IdentifyOptions): void {
  cacheUser(subject, user);
  const value = JSON.stringify(user);
  if (writtenFromIsolate.get(subject) === value) return;
  options.waitUntil(
    options.memory.remember(user).then(
      () => {
        if (writtenFromIsolate.size >= MAX_REMEMBERED_IN_ISOLATE) writtenFromIsolate.clear();
        writtenFromIsolate.set(subject, value);
      },
      (error: unknown) => options.log.warn("user_memory_write_failed", describeError(error)),
    ),
  );
}
