// Users are provisioned on first use from the token's `sub`: one round trip, no read-then-write race.
//
// Postgres outages: reads of cached readiness keep working while Postgres is down, and they need to
// know whose data to read. So after each successful provisioning the subject → user mapping is also
// kept outside Postgres (the caller's IdentityMemory: a Durable Object per subject, durable and shared
// by every isolate), and when Postgres cannot be reached a verified subject is identified from it.
// The write happens in the background, at most once per isolate for each (subject, user) value.
import { sql } from "drizzle-orm";
import type { Database } from "./db";
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
  log: Logger;
}

const MAX_REMEMBERED_IN_ISOLATE = 10_000;
/** subject → JSON of the user last written to the memory from this isolate. */
const writtenFromIsolate = new Map<string, string>();

/** The token subject's user: provisioned in Postgres, or remembered when Postgres is unreachable. */
export async function identifyUser(db: Database, subject: string, options: IdentifyOptions): Promise<RequestUser> {
  let user: RequestUser;
  try {
    user = await provisionUser(db, subject);
  } catch (error) {
    const remembered = await options.memory.recall().catch(() => null);
    if (!remembered) {
      options.log.error("user_lookup_failed", describeError(error));
      throw new ApiError("UNAVAILABLE", "user directory unavailable, retry later", { "retry-after": "30" });
    }
    options.log.warn("user_identified_from_memory", describeError(error));
    return remembered;
  }
  const value = JSON.stringify(user);
  if (writtenFromIsolate.get(subject) !== value) {
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
  return user;
}
