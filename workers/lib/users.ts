// Users are provisioned on first use from the token's `sub`: one round trip, no read-then-write race.
//
// Postgres outages: reads of cached readiness keep working while Postgres is down, and they need to
// know whose data to read. So after each successful provisioning the subject → user mapping is also
// kept outside Postgres (the caller's RememberedUser: a Durable Object per subject, durable and shared
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

async function provisionUser(db: Database, subject: string): Promise<RequestUser> {
  return (await provisionUsers(db, [subject])).get(subject)!;
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
/** Past this age the entry is refreshed in the background while requests keep using it. */
const VERIFIED_USER_REFRESH_MS = 15_000;
const MAX_VERIFIED_IN_ISOLATE = 10_000;

interface VerifiedEntry {
  user: RequestUser;
  cachedAt: number;
  refreshing: boolean;
}
/** subject → the user provisioned from Postgres for it, when, and whether a refresh is running. */
const verifiedInIsolate = new Map<string, VerifiedEntry>();

function cacheUser(subject: string, user: RequestUser): void {
  if (verifiedInIsolate.size >= MAX_VERIFIED_IN_ISOLATE) verifiedInIsolate.clear();
  verifiedInIsolate.set(subject, { user, cachedAt: Date.now(), refreshing: false });
}

/** Drops the user from this isolate's cache (profile changed, account erased). */
export function forgetVerifiedUser(userId: string): void {
  for (const [subject, entry] of verifiedInIsolate) {
    if (entry.user.id === userId) verifiedInIsolate.delete(subject);
  }
}

/**
 * The token subject's user: cached in the isolate, else provisioned in Postgres (opened only then),
 * else remembered when Postgres is unreachable. An entry past its refresh age is refreshed in the
 * background (gathered with the others due, one statement for all) while every request keeps using
 * it, so that under steady traffic no request waits for Postgres because a cache entry aged out.
 */
export async function identifyUser(database: () => Database, subject: string, options: IdentifyOptions): Promise<RequestUser> {
  const entry = verifiedInIsolate.get(subject);
  const age = entry ? Date.now() - entry.cachedAt : Infinity;
  if (entry && age < VERIFIED_USER_TTL_MS) {
    if (age >= VERIFIED_USER_REFRESH_MS && !entry.refreshing) {
      entry.refreshing = true;
      dueForRefresh.set(subject, options.memory);
      if (!refreshScheduled) {
        refreshScheduled = true;
        options.waitUntil(refreshDueLater(options));
      }
    }
    return entry.user;
  }
  if (entry) verifiedInIsolate.delete(subject);
  // Checked and marked without an await in between, so that requests arriving together see each other.
  if (provisioningSince.has(subject)) {
    const provisionedMeanwhile = await awaitProvisioningInFlight(subject);
    if (provisionedMeanwhile) return provisionedMeanwhile;
  }
  let user: RequestUser;
  const marker = { since: Date.now() };
  provisioningSince.set(subject, marker);
  try {
    user = await provisionUser(database(), subject);
    cacheUser(subject, user);
  } catch (error) {
    const remembered = await options.memory.recall().catch(() => null);
    if (!remembered) {
      options.log.error("user_lookup_failed", describeError(error));
      throw new ApiError("DATABASE_UNAVAILABLE", "user directory unavailable, retry later", { "retry-after": "30" });
    }
    options.log.warn("user_identified_from_memory", describeError(error));
    return remembered;
  } finally {
    if (provisioningSince.get(subject) === marker) provisioningSince.delete(subject);
  }
  options.waitUntil(rememberOutsidePostgres(subject, user, options.memory, options.log));
  return user;
}

/** subject → when a request of this isolate started provisioning it (and has not finished). */
const provisioningSince = new Map<string, { since: number }>();
const IN_FLIGHT_WAIT_MS = 2_000;
const IN_FLIGHT_POLL_MS = 5;

/**
 * When another request of this isolate is already provisioning the subject, waits (up to
 * IN_FLIGHT_WAIT_MS) for its result instead of opening another connection: an app opening fires
 * several requests at once, and after a quiet spell every user's requests would each provision.
 * Polls the cache rather than awaiting the other request's promise, which workerd does not allow
 * across requests. Undefined: nothing in flight, or it failed or took too long (then provision here).
 */
async function awaitProvisioningInFlight(subject: string): Promise<RequestUser | undefined> {
  const marker = provisioningSince.get(subject);
  if (marker === undefined) return undefined;
  while (provisioningSince.get(subject) === marker && Date.now() - marker.since < IN_FLIGHT_WAIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_POLL_MS));
  }
  const entry = verifiedInIsolate.get(subject);
  return entry && entry.cachedAt >= marker.since ? entry.user : undefined;
}

/** Subjects whose entries are due for a refresh, with where each is remembered outside Postgres. */
const dueForRefresh = new Map<string, RememberedUser>();
let refreshScheduled = false;
/**
 * Refreshes wait this long to be gathered: after a quiet spell every user's first request finds its
 * entry due at once, and one statement over one connection refreshes them all.
 */
const REFRESH_GATHER_MS = 100;

async function refreshDueLater(options: IdentifyOptions): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, REFRESH_GATHER_MS));
  // Entries forgotten meanwhile (profile changed, account erased) are not brought back.
  const due = [...dueForRefresh].filter(([subject]) => verifiedInIsolate.get(subject)?.refreshing);
  dueForRefresh.clear();
  refreshScheduled = false;
  if (due.length === 0) return;
  const handle = options.openDatabase();
  try {
    const users = await provisionUsers(handle.db, due.map(([subject]) => subject));
    for (const [subject, memory] of due) {
      const user = users.get(subject)!;
      cacheUser(subject, user);
      await rememberOutsidePostgres(subject, user, memory, options.log);
    }
  } catch (error) {
    // The entries stay usable until their TTL; the next request past the refresh age tries again.
    for (const [subject] of due) {
      const entry = verifiedInIsolate.get(subject);
      if (entry) entry.refreshing = false;
    }
    options.log.warn("user_refresh_failed", { subjects: due.length, ...describeError(error) });
  } finally {
    await handle.close();
  }
}

/** Subjects' users in one round trip, created when new (distinct subjects: one statement may not touch a row twice). */
async function provisionUsers(db: Database, subjects: string[]): Promise<Map<string, RequestUser>> {
  const result = await db.execute<{ subject: string; id: string; audit_ref: string; timezone: string }>(sql`
    INSERT INTO users (subject) SELECT jsonb_array_elements_text(${JSON.stringify(subjects)}::jsonb)
    ON CONFLICT (subject) DO UPDATE SET subject = excluded.subject
    RETURNING subject, id, audit_ref, timezone`);
  return new Map(result.rows.map((row) => [row.subject, { id: row.id, auditRef: row.audit_ref, timezone: row.timezone }]));
}

/** Keeps the subject's user outside Postgres when this isolate has not written that value yet. */
async function rememberOutsidePostgres(subject: string, user: RequestUser, memory: RememberedUser, log: Logger): Promise<void> {
  const value = JSON.stringify(user);
  if (writtenFromIsolate.get(subject) === value) return;
  try {
    await memory.remember(user);
    if (writtenFromIsolate.size >= MAX_REMEMBERED_IN_ISOLATE) writtenFromIsolate.clear();
    writtenFromIsolate.set(subject, value);
  } catch (error) {
    log.warn("user_memory_write_failed", describeError(error));
  }
}
