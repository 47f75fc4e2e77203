// The raw webhook record (webhook_events): kept for audit and replay, written by the consumer so the
// webhook route stays free of Postgres. The key is the SHA-256 of the body exactly as the vendor
// signed it, so a redelivery finds the first delivery's record.
import { and, eq } from "drizzle-orm";
import { webhookEvents } from "../../db/schema";
import type { Database } from "../lib/db";
import { sha256Hex } from "../lib/one-time-codes";
import type { VendorEventMessage } from "../lib/messages";
import type { Tx } from "./store";

/** Without the raw body (a replayed or oversized event), the identifying fields stand in for it. */
export async function webhookEventKey(event: VendorEventMessage): Promise<string> {
  if (event.raw !== undefined) return sha256Hex(event.raw);
  const { object_type, object_id, action, event_time, trace_id } = event;
  return sha256Hex(JSON.stringify([object_type, object_id, action, event_time ?? null, trace_id ?? null]));
}

function recordedBody(event: VendorEventMessage): unknown {
  if (event.raw !== undefined) {
    try {
      return JSON.parse(event.raw);
    } catch {
      // The route only queues JSON bodies; a hand-made message keeps its fields instead.
    }
  }
  const { raw: _raw, budget_refusals: _refusals, ...fields } = event;
  return fields;
}

export async function isWebhookEventRecorded(db: Database, event: VendorEventMessage, key: string): Promise<boolean> {
  const rows = await db
    .select({ key: webhookEvents.eventKey })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.vendor, event.vendor), eq(webhookEvents.eventKey, key)));
  return rows.length > 0;
}

/** `userId` is the hub user the delivery was processed for: export and erasure find it by that. */
export async function recordWebhookEvent(tx: Tx | Database, event: VendorEventMessage, key: string, userId: string): Promise<void> {
  await tx
    .insert(webhookEvents)
    .values({ vendor: event.vendor, eventKey: key, vendorUserId: event.vendor_user_id, userId, body: recordedBody(event) })
    .onConflictDoNothing();
}
