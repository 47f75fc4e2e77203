// Users are provisioned on first use from the token's `sub`: one round trip, no read-then-write race.
import { sql } from "drizzle-orm";
import type { Database } from "./db";
import type { RequestUser } from "./context";

export async function provisionUser(db: Database, subject: string): Promise<RequestUser> {
  const result = await db.execute<{ id: string; audit_ref: string; timezone: string }>(sql`
    INSERT INTO users (subject) VALUES (${subject})
    ON CONFLICT (subject) DO UPDATE SET subject = excluded.subject
    RETURNING id, audit_ref, timezone`);
  const row = result.rows[0]!;
  return { id: row.id, auditRef: row.audit_ref, timezone: row.timezone };
}
