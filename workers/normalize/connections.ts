// The connection a queue message acts for, and its bookkeeping.
import { and, eq, sql } from "drizzle-orm";
import { connections } from "../../db/schema";
import type { Connection } from "../connections/tokens";
import type { Database } from "../lib/db";
import type { Vendor } from "../vendors/types";
import type { Tx } from "./store";

export async function connectionOfVendorUser(db: Database, vendor: Vendor, vendorUserId: string): Promise<Connection | undefined> {
  const rows = await db.select().from(connections).where(and(eq(connections.vendor, vendor), eq(connections.vendorUserId, vendorUserId)));
  return rows[0];
}

export async function connectionById(db: Database, id: string): Promise<Connection | undefined> {
  const rows = await db.select().from(connections).where(eq(connections.id, id));
  return rows[0];
}

export async function markSynced(tx: Tx, connectionId: string): Promise<void> {
  await tx.update(connections).set({ lastSyncAt: sql`now()` }).where(eq(connections.id, connectionId));
}

/**
 * Whether a writer committed for the connection since `seen` was read (its last_sync_at moved, or the
 * row is gone). Compared in Postgres: the two reads may come over different paths, in microseconds.
 */
export async function writtenSince(tx: Tx, connectionId: string, seen: string | null): Promise<boolean> {
  const { rows } = await tx.execute<{ unchanged: boolean }>(
    sql`SELECT last_sync_at IS NOT DISTINCT FROM ${seen}::timestamptz AS unchanged FROM connections WHERE id = ${connectionId}`,
  );
  return rows[0]?.unchanged !== true;
}
