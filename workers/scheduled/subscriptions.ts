// Oura webhook subscriptions: one per (event type × data type the hub consumes), recorded in
// webhook_subscriptions. They expire, so the daily cron renews those expiring within a week. Oura
// answers 403 (and sometimes 404) for a subscription it no longer has: renewal then creates it
// again with the callback it was made with, so events keep coming without an operator.
import { and, eq, lt, sql } from "drizzle-orm";
import { webhookSubscriptions } from "../../db/schema";
import type { Database } from "../lib/db";
import { createLogger, describeError } from "../lib/logger";
import { joinUrl, VendorError } from "../vendors/http";
import type { FetchLike } from "../vendors/types";
import {
  createOuraSubscription, listOuraSubscriptions, renewOuraSubscription, type OuraAppCredentials, type OuraSubscription,
} from "./oura-webhook-api";

export const OURA_EVENT_TYPES = ["create", "update", "delete"] as const;
/** Data types the normalize consumer maps; add one here when it learns another. */
export const OURA_DATA_TYPES = ["sleep", "daily_sleep", "workout"] as const;
export const RENEW_WITHIN_DAYS = 7;

async function recordSubscription(db: Database, subscription: OuraSubscription, callbackUrl?: string | null): Promise<void> {
  await db
    .insert(webhookSubscriptions)
    .values({
      vendor: "oura",
      subscriptionId: subscription.id,
      eventType: subscription.event_type,
      dataType: subscription.data_type,
      callbackUrl: subscription.callback_url ?? callbackUrl ?? null,
      expiresAt: new Date(subscription.expiration_time).toISOString(),
    })
    .onConflictDoUpdate({
      target: [webhookSubscriptions.vendor, webhookSubscriptions.subscriptionId],
      set: {
        expiresAt: sql`excluded.expires_at`,
        callbackUrl: sql`coalesce(excluded.callback_url, ${webhookSubscriptions.callbackUrl})`,
        updatedAt: sql`now()`,
      },
    });
}

type SubscriptionRequest = { callback_url: string; verification_token: string; event_type: string; data_type: string };

/** Creates the pair's subscription, or adopts the one Oura already has for it (409: one per pair). */
async function createOrAdopt(app: OuraAppCredentials, request: SubscriptionRequest, fetchImpl: FetchLike): Promise<OuraSubscription> {
  try {
    return await createOuraSubscription(app, request, fetchImpl);
  } catch (error) {
    if (!(error instanceof VendorError && error.status === 409)) throw error;
    const existing = (await listOuraSubscriptions(app, fetchImpl)).find(
      (s) => s.event_type === request.event_type && s.data_type === request.data_type,
    );
    if (!existing) throw error;
    return existing;
  }
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
      await recordSubscription(db, subscription, callbackUrl);
      result.push({ subscription, created: !found });
    }
  }
  return result;
}

export interface RenewalSettings extends OuraAppCredentials {
  OURA_WEBHOOK_VERIFICATION_TOKEN: string;
  /** Builds the callback for a recorded subscription that has none (recorded before it was kept). */
  PUBLIC_BASE_URL?: string | undefined;
}

/** Oura's answer for a subscription it does not have: 403 as documented, 404 as also seen. */
const isMissingAtOura = (error: unknown) => error instanceof VendorError && (error.status === 403 || error.status === 404);

type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;

/** Replaces a subscription Oura lost with a new one for the same pair and callback. */
async function recreateSubscription(db: Database, app: RenewalSettings, row: SubscriptionRow, fetchImpl: FetchLike): Promise<OuraSubscription> {
  const callbackUrl = row.callbackUrl ?? (app.PUBLIC_BASE_URL ? joinUrl(app.PUBLIC_BASE_URL, "/webhooks/oura") : null);
  if (!callbackUrl) throw new Error("no callback URL recorded and PUBLIC_BASE_URL unset");
  const subscription = await createOrAdopt(
    app,
    { callback_url: callbackUrl, verification_token: app.OURA_WEBHOOK_VERIFICATION_TOKEN, event_type: row.eventType, data_type: row.dataType },
    fetchImpl,
  );
  await db.delete(webhookSubscriptions).where(and(eq(webhookSubscriptions.vendor, "oura"), eq(webhookSubscriptions.subscriptionId, row.subscriptionId)));
  await recordSubscription(db, subscription, callbackUrl);
  return subscription;
}

/**
 * Renews every recorded subscription that expires within RENEW_WITHIN_DAYS (or already has); one
 * that Oura no longer has is created again.
 */
export async function renewOuraSubscriptions(
  db: Database,
  app: RenewalSettings,
  nowMs = Date.now(),
  fetchImpl: FetchLike = fetch,
): Promise<{ renewed: number; recreated: number; failed: number }> {
  const log = createLogger({ component: "oura_subscriptions" });
  const horizon = new Date(nowMs + RENEW_WITHIN_DAYS * 86_400_000).toISOString();
  const due = await db
    .select()
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.vendor, "oura"), lt(webhookSubscriptions.expiresAt, horizon)));
  const counts = { renewed: 0, recreated: 0, failed: 0 };
  for (const row of due) {
    const subscription_id = row.subscriptionId;
    const pair = { event_type: row.eventType, data_type: row.dataType };
    try {
      await recordSubscription(db, await renewOuraSubscription(app, subscription_id, fetchImpl));
      counts.renewed++;
    } catch (error) {
      if (!isMissingAtOura(error)) {
        counts.failed++;
        log.error("oura_subscription_renewal_failed", { subscription_id, ...describeError(error) });
        continue;
      }
      try {
        const created = await recreateSubscription(db, app, row, fetchImpl);
        counts.recreated++;
        log.warn("oura_subscription_recreated", { subscription_id, new_subscription_id: created.id, ...pair });
      } catch (recreateError) {
        counts.failed++;
        log.error("oura_subscription_missing", { subscription_id, ...pair, ...describeError(recreateError) });
      }
    }
  }
  return counts;
}
