// Audit trail: who did what to whose data, never the data itself. Rows reference users.audit_ref
// pseudonyms so that erasing a user unlinks the trail without rewriting it (it is append-only).
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
  await db.insert(auditLog).values({
    actorRef: entry.actorRef,
    action: entry.action,
    subjectRef: entry.subjectRef,
    resource: entry.resource,
    requestId: entry.requestId ?? null,
  });
}
