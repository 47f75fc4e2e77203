// Audit trail: who did what to whose data, never the data itself. Rows reference users.audit_ref
// pseudonyms so that erasing a user unlinks the trail without rewriting it (it is append-only).
import type { Pool } from "@neondatabase/serverless";
import type { Database } from "./db";
import { auditLog } from "../../db/schema";

export type AuditAction =
  | "read" | "export" | "upload" | "connect" | "disconnect" | "erase" | "update_profile" | "reconsent_needed";

export interface AuditEntry {
  /** users.audit_ref of the acting user, or `system`, `vendor:oura`, `operator:<name>`. */
  actorRef: string;
  action: AuditAction;
  subjectRef: string | null;
  /** What was touched, e.g. `hrv_daily`, `connection:oura`. Never values. */
  resource: string;
  requestId?: string;
}

export async function audit(db: Database, entry: AuditEntry): Promise<void> {
  await auditStatement(db, entry);
}

/** The audit row's insert, not yet run (for a batch of statements). */
export function auditStatement(db: Pick<Database, "insert">, entry: AuditEntry) {
  return db.insert(auditLog).values({
    actorRef: entry.actorRef,
    action: entry.action,
    subjectRef: entry.subjectRef,
    resource: entry.resource,
    requestId: entry.requestId ?? null,
  });
}

/** An audit row recorded earlier than it is written: `at` is when it happened. */
export type TimedAuditEntry = AuditEntry & { at: string };

/**
 * Many rows in one statement with one parameter (a JSON array): for a batch of hundreds, building a
 * bind parameter per column and row costs the Worker more CPU than the insert costs Postgres.
 */
export async function auditMany(pool: Pick<Pool, "query">, entries: readonly TimedAuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await pool.query(
    `INSERT INTO audit_log (at, actor_ref, action, subject_ref, resource, request_id)
     SELECT at, actor_ref, action, subject_ref, resource, request_id
       FROM jsonb_to_recordset($1::jsonb) AS r(at timestamptz, actor_ref text, action text, subject_ref uuid,
            resource text, request_id text)`,
    [JSON.stringify(entries.map((e) => ({
      at: e.at, actor_ref: e.actorRef, action: e.action, subject_ref: e.subjectRef, resource: e.resource, request_id: e.requestId ?? null,
    })))],
  );
}
