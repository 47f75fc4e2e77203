// Row access for the normalize consumer: vendor documents (vendor_records), sleep sessions by date,
// and the per-user write lock. Every function takes the transaction it runs in.
//
// Storage layout (vendor_records, keyed by vendor, object_type, object_id):
//   oura  / sleep    / <document id>   the sleep document's fields the hub reads
//   whoop / sleep    / <sleep id>      the sleep as fetched (score included)
//   whoop / recovery / <cycle id>      the cycle's recovery; `sleep_id` names its sleep
// sleep_sessions holds one row per stored sleep with its date; a day's daily rows are always derived
// again from all of that day's stored documents (never merged into the previous row).
import { and, between, eq, inArray, sql } from "drizzle-orm";
import { sleepSessions, vendorRecords } from "../../db/schema";
import type { Database } from "../lib/db";
import type { Vendor } from "../vendors/types";

export type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];

/**
 * Runs `work` in a transaction holding a lock on (user, vendor). A day's rows are derived from all of
 * the day's stored documents, so two writers for one user must not interleave: the second waits and
 * then sees the first one's documents. A vendor read made before the lock is used only if no writer
 * committed for the account meanwhile (handlers.ts), so the last writer is always the one that read last.
 */
export function inUserTransaction<T>(db: Database, userId: string, vendor: Vendor, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`normalize:${userId}:${vendor}`}, 0))`);
    return work(tx);
  });
}

export interface VendorDocument {
  id: string;
  document: unknown;
}

/** Stores documents as fetched, replacing earlier versions; a document never moves to another user. */
export async function putVendorDocuments(tx: Tx, userId: string, vendor: Vendor, objectType: string, docs: readonly VendorDocument[]): Promise<void> {
  if (docs.length === 0) return;
  await tx
    .insert(vendorRecords)
    .values(docs.map((d) => ({ vendor, objectType, objectId: d.id, userId, document: d.document, fetchedAt: new Date().toISOString() })))
    .onConflictDoUpdate({
      target: [vendorRecords.vendor, vendorRecords.objectType, vendorRecords.objectId],
      set: { document: sql`excluded.document`, fetchedAt: sql`excluded.fetched_at` },
      setWhere: sql`${vendorRecords.userId} = excluded.user_id`,
    });
}

export async function loadVendorDocuments(tx: Tx, userId: string, vendor: Vendor, objectType: string, ids: readonly string[]): Promise<unknown[]> {
  if (ids.length === 0) return [];
  const rows = await tx
    .select({ document: vendorRecords.document })
    .from(vendorRecords)
    .where(and(eq(vendorRecords.vendor, vendor), eq(vendorRecords.objectType, objectType), eq(vendorRecords.userId, userId), inArray(vendorRecords.objectId, [...ids])));
  return rows.map((row) => row.document);
}

export async function deleteVendorDocuments(tx: Tx, userId: string, vendor: Vendor, objectType: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .delete(vendorRecords)
    .where(and(eq(vendorRecords.vendor, vendor), eq(vendorRecords.objectType, objectType), eq(vendorRecords.userId, userId), inArray(vendorRecords.objectId, [...ids])));
}

/** The stored date of each of these sessions (sessions not stored are absent). */
export async function sessionDates(tx: Tx, userId: string, source: Vendor, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await tx
    .select({ id: sleepSessions.vendorObjectId, date: sleepSessions.date })
    .from(sleepSessions)
    .where(and(eq(sleepSessions.source, source), eq(sleepSessions.userId, userId), inArray(sleepSessions.vendorObjectId, [...ids])));
  return new Map(rows.map((row) => [row.id, row.date]));
}

/** Ids of the user's sessions dated between `from` and `to` (inclusive). */
export async function sessionIdsBetween(tx: Tx, userId: string, source: Vendor, from: string, to: string): Promise<string[]> {
  const rows = await tx
    .select({ id: sleepSessions.vendorObjectId })
    .from(sleepSessions)
    .where(and(eq(sleepSessions.source, source), eq(sleepSessions.userId, userId), between(sleepSessions.date, from, to)));
  return rows.map((row) => row.id);
}

export async function deleteSessions(tx: Tx, userId: string, source: Vendor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .delete(sleepSessions)
    .where(and(eq(sleepSessions.source, source), eq(sleepSessions.userId, userId), inArray(sleepSessions.vendorObjectId, [...ids])));
}
