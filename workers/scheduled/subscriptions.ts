// Oura webhook subscriptions: one per (event type × data type the hub consumes), recorded in
// webhook_subscriptions. They expire, so the daily cron renews those expiring within a week.
import { and, eq, lt, sql } from "drizzle-orm";
import { webhookSubscriptions } from "../../db/schema";
import type { Database } from "../lib/db";
import { createLogger, describeError } from "../lib/logger";
import { VendorError } from "../vendors/http";
import type { FetchLike } from "../vendors/types";
import {
  createOuraSubscription, listOuraSubscriptions, renewOuraSubscription, type OuraAppCredentials, type OuraSubscription,
} from "./oura-webhook-api";

export const OURA_EVENT_TYPES = ["create", "update", "delete"] as const;
/** Data types the normalize consumer maps; add one here when it learns another. */
export const OURA_DATA_TYPES = ["sleep"] as const;
export const RENEW_WITHIN_DAYS = 7;

async function recordSubscription(db: Database, subscription: OuraSubscription): Promise<void> {
  await db
    .insert(webhookSubscriptions)
    .values({
      vendor: "oura",
      subscriptionId: subscription.id,
      eventType: subscription.event_type,
      dataType: subscription.data_type,
      expiresAt: new Date(subscription.expiration_time).toISOString(),
    })
    .onConflictDoUpdate({
      target: [webhookSubscriptions.vendor, webhookSubscriptions.subscriptionId],
      set: { expiresAt: sql`excluded.expires_at`, updatedAt: sql`now()` },
    });
}

export interface EnsuredSubscription {
  subscription: OuraSubscription;
  created: boolean;
}

/**
 * Makes sure a subscription exists for every pair and is recorded. Existing ones (Oura allows one
 * per pair) are adopted rather than duplicated, so running it again is harmless.
 */
export async function ensureOuraSubscriptions(
  db: Database,
  app: OuraAppCredentials & { OURA_WEBHOOK_VERIFICATION_TOKEN: string },
  callbackUrl: string,
  fetchImpl: FetchLike = fetch,
): Promise<EnsuredSubscription[]> {
  const existing = await listOuraSubscriptions(app, fetchImpl);
  const result: EnsuredSubscription[] = [];
  for (const data_type of OURA_DATA_TYPES) {
    for (const event_type of OURA_EVENT_TYPES) {
      const found = existing.find((s) => s.event_type === event_type && s.data_type === data_type);
      const subscription = found ?? (await createOuraSubscription(
        app,
        { callback_url: callbackUrl, verification_token: app.OURA_WEBHOOK_VERIFICATION_TOKEN, event_type, data_type },
        fetchImpl,
      ));
      await recordSubscription(db, subscription);
      result.push({ subscription, created: !found });
    }
  }
  return result;
}

/** Renews every recorded subscription that expires within RENEW_WITHIN_DAYS (or already has). */
export async function renewOuraSubscriptions(
  db: Database,
  app: OuraAppCredentials,
  nowMs = Date.now(),
  fetchImpl: FetchLike = fetch,
): Promise<{ renewed: number; failed: number }> {
  const log = createLogger({ component: "oura_subscriptions" });
  const horizon = new Date(nowMs + RENEW_WITHIN_DAYS * 86_400_000).toISOString();
  const due = await db
    .select()
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.vendor, "oura"), lt(webhookSubscriptions.expiresAt, horizon)));
  let renewed = 0;
  let failed = 0;
  for (const row of due) {
    const subscription_id = row.subscriptionId;
    try {
      await recordSubscription(db, await renewOuraSubscription(app, subscription_id, fetchImpl));
      renewed++;
    } catch (error) {
      failed++;
      if (error instanceof VendorError && error.kind === "not_found") {
        // Oura no longer has it: forget it, and say loudly that scripts/oura-subscriptions.ts must run.
        await db.delete(webhookSubscriptions).where(and(eq(webhookSubscriptions.vendor, "oura"), eq(webhookSubscriptions.subscriptionId, subscription_id)));
        log.error("oura_subscription_missing", { subscription_id, event_type: row.eventType, data_type: row.dataType });
      } else {
        log.error("oura_subscription_renewal_failed", { subscription_id, ...describeError(error) });
      }
    }
  }
  return { renewed, failed };
}
