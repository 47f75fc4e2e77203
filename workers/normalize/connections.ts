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
