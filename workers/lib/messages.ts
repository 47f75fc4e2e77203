// Queue message contracts. Producers build them with these types; consumers parse them with these
// schemas (a queue message is outside input like any other).
import { z } from "zod";
import { VENDORS } from "../../db/sources";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const vendor = z.enum(VENDORS);

/**
 * Raw webhook bodies ride along for the audit/replay record (webhook_events). Vendors send a few
 * hundred bytes; a larger body is left out so that JSON escaping can never push a message past the
 * queue's 128 KB limit.
 */
export const RAW_WEBHOOK_BODY_MAX = 16_384;

/** How often the vendor's call budget has sent this message back to wait (workers/normalize/requeue.ts). */
const budget_refusals = z.number().int().min(1).max(10_000).optional();

/** A webhook said an object changed: fetch it from the vendor and normalize it. */
export const vendorEventMessage = z.object({
  kind: z.literal("vendor_event"),
  vendor,
  vendor_user_id: z.string().min(1).max(200),
  object_type: z.string().min(1).max(64),
  object_id: z.string().min(1).max(200),
  action: z.enum(["upsert", "delete"]),
  event_time: z.string().max(64).optional(),
  trace_id: z.string().max(200).optional(),
  traceparent: z.string().max(128).optional(),
  raw: z.string().max(RAW_WEBHOOK_BODY_MAX).optional(),
  budget_refusals,
});

/** Pull a date range for one connection (backfill on connect, scheduled reconciliation). */
export const syncRangeMessage = z.object({
  kind: z.literal("sync_range"),
  connection_id: z.uuid(),
  start_date: isoDate,
  end_date: isoDate,
  reason: z.enum(["backfill", "reconcile"]),
  traceparent: z.string().max(128).optional(),
  budget_refusals,
});

export const ingestMessage = z.discriminatedUnion("kind", [vendorEventMessage, syncRangeMessage]);
export type IngestMessage = z.infer<typeof ingestMessage>;
export type VendorEventMessage = z.infer<typeof vendorEventMessage>;
export type SyncRangeMessage = z.infer<typeof syncRangeMessage>;

/** Dates whose readiness must be recomputed for one user. */
export const insightsMessage = z.object({
  user_id: z.uuid(),
  dates: z.array(isoDate).min(1).max(400),
  traceparent: z.string().max(128).optional(),
});
export type InsightsMessage = z.infer<typeof insightsMessage>;
