// Reconciliation: webhooks are known to be missed, so recent days are re-pulled per active connection.
// Each connection gets a sync_range of its user's last three local days; the ingest consumer does the
// pulling, so this job only pages through connections and enqueues. A connection whose Oura
// membership lapsed is probed too (one refused call), over every day since its last sync, so that
// the days it missed come in by themselves on the first run after the membership is renewed.
import { and, asc, eq, gt, inArray } from "drizzle-orm";
import { connections, users } from "../../db/schema";
import type { Config, Env } from "../env";
import { addDays, isTimeZone, todayIn } from "../lib/calendar";
import type { Database } from "../lib/db";
import type { SyncRangeMessage } from "../lib/messages";

export const RECONCILE_DAYS = 3;
/** How far back a connection coming out of a lapsed membership is caught up. */
export const LAPSED_CATCH_UP_DAYS = 90;
const PAGE_SIZE = 500;
const QUEUE_BATCH_LIMIT = 100;

export function reconcileMessage(connectionId: string, timeZone: string, nowMs: number, lapsedSince?: string | null): SyncRangeMessage {
  const zone = isTimeZone(timeZone) ? timeZone : "UTC";
  const end = todayIn(zone, nowMs);
  let start = addDays(end, -(RECONCILE_DAYS - 1));
  if (lapsedSince !== undefined) {
    const earliest = addDays(end, -(LAPSED_CATCH_UP_DAYS - 1));
    const lastSync = lapsedSince === null ? earliest : todayIn(zone, Date.parse(lapsedSince));
    start = [start, lastSync > earliest ? lastSync : earliest].sort()[0]!;
  }
  return { kind: "sync_range", connection_id: connectionId, start_date: start, end_date: end, reason: "reconcile" };
}

export async function reconcileConnections(db: Database, env: Env, _config: Config, nowMs = Date.now()): Promise<{ enqueued: number }> {
  let enqueued = 0;
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const page = await db
      .select({ id: connections.id, timezone: users.timezone, status: connections.status, lastSyncAt: connections.lastSyncAt })
      .from(connections)
      .innerJoin(users, eq(users.id, connections.userId))
      .where(and(inArray(connections.status, ["active", "membership_lapsed"]), gt(connections.id, after)))
      .orderBy(asc(connections.id))
      .limit(PAGE_SIZE);
    if (page.length === 0) break;
    const messages = page.map((row) =>
      reconcileMessage(row.id, row.timezone, nowMs, row.status === "membership_lapsed" ? row.lastSyncAt : undefined));
    for (let i = 0; i < messages.length; i += QUEUE_BATCH_LIMIT) {
      const chunk = messages.slice(i, i + QUEUE_BATCH_LIMIT);
      await env.INGEST_QUEUE.sendBatch(chunk.map((body) => ({ body, contentType: "json" as const })));
      enqueued += chunk.length;
    }
    after = page[page.length - 1]!.id;
    if (page.length < PAGE_SIZE) break;
  }
  return { enqueued };
}
