// The two ingest message kinds: a vendor event (one object changed) and a date-range sync (backfill
// on connect, scheduled reconciliation).
import { withAccessToken, type Connection } from "../connections/tokens";
import type { Config } from "../env";
import { daysBetween, isCalendarDate } from "../lib/calendar";
import type { Database } from "../lib/db";
import type { Logger } from "../lib/logger";
import type { SyncRangeMessage, VendorEventMessage } from "../lib/messages";
import { PermanentError } from "../queues/consume";
import { grantedScopes } from "../vendors/activity";
import { vendorAdapter, vendorApi } from "../vendors/registry";
import type { FetchLike, Vendor } from "../vendors/types";
import { budgetedFetch } from "./call-budget";
import { connectionById, connectionOfVendorUser, markSynced, writtenSince } from "./connections";
import { ouraNormalizer } from "./oura";
import { ChangedDaysByTrace } from "./changed-days";
import { replayingFetch } from "./prefetch";
import { inUserTransaction, type Tx } from "./store";
import type { VendorApi, VendorNormalizer } from "./types";
import { runAgainstVendor } from "./vendor-errors";
import { isWebhookEventRecorded, recordWebhookEvent, webhookEventKey } from "./webhook-events";
import { whoopNormalizer } from "./whoop";

const NORMALIZERS: Record<Vendor, VendorNormalizer> = { oura: ouraNormalizer, whoop: whoopNormalizer };

/** The longest range one sync may ask for (the insights message carries at most 400 dates). */
export const MAX_SYNC_DAYS = 400;

export interface IngestContext {
  db: Database;
  config: Config;
  log: Logger;
  changedDays: ChangedDaysByTrace;
  fetchImpl: FetchLike;
  /** The hub user a message turned out to act for, so its dead letter is erased with the user. */
  noteUser(message: object, userId: string): void;
}

/** A vendor that limits the whole app (WHOOP) is called through the shared budget; per-token limits need none. */
function vendorFetch(ctx: IngestContext, vendor: Vendor): FetchLike {
  const budget = vendorAdapter(vendor).callBudget?.(ctx.config);
  if (!budget) return ctx.fetchImpl;
  return budgetedFetch(ctx.db, vendor, budget.key, budget, ctx.fetchImpl);
}

interface VendorWork {
  /** Writes under the user's lock; returns the changed dates. */
  write: (tx: Tx, api: VendorApi) => Promise<string[]>;
  /** The vendor reads `write` will make, made before the lock and replayed under it. */
  prefetch?: (api: VendorApi) => Promise<void>;
  alsoInTx?: (tx: Tx) => Promise<void>;
}

/**
 * Token, then the vendor reads, then the write under the user's lock, then last_sync_at. Reads made
 * before the lock are kept only if no other writer committed for the account meanwhile (its
 * last_sync_at is unchanged); otherwise they are made again under the lock, so the last writer is
 * always the one that read last.
 */
async function withVendor(ctx: IngestContext, connection: Connection, { write, prefetch, alsoInTx }: VendorWork): Promise<string[]> {
  const vendor = connection.vendor;
  const lapsed = (): string[] => {
    ctx.log.info("vendor_membership_lapsed", { vendor });
    return [];
  };
  return runAgainstVendor(() =>
    withAccessToken(ctx.db, ctx.config, connection, async (accessToken) => {
      const direct = vendorFetch(ctx, vendor);
      const reads = prefetch ? replayingFetch(direct) : undefined;
      const api = { ...vendorApi(ctx.config, vendor, accessToken, reads?.fetch ?? direct), scopes: grantedScopes(connection.scopes) };
      await prefetch?.(api);
      return inUserTransaction(ctx.db, connection.userId, vendor, async (tx) => {
        if (reads && (await writtenSince(tx, connection.id, connection.lastSyncAt))) reads.forget();
        const dates = await write(tx, api);
        await alsoInTx?.(tx);
        await markSynced(tx, connection.id);
        return dates;
      });
    }),
    lapsed,
  );
}

export async function handleVendorEvent(ctx: IngestContext, event: VendorEventMessage): Promise<void> {
  const log = ctx.log.with({ vendor: event.vendor, object_type: event.object_type, action: event.action });
  const connection = await connectionOfVendorUser(ctx.db, event.vendor, event.vendor_user_id);
  // Unknown vendor user: never connected, disconnected or erased. Recording anything would bring
  // erased data back, so the event is dropped here on purpose.
  if (!connection) {
    log.info("vendor_event_unknown_user");
    return;
  }
  ctx.noteUser(event, connection.userId);
  const key = await webhookEventKey(event);
  if (await isWebhookEventRecorded(ctx.db, event, key)) {
    log.info("vendor_event_duplicate");
    return;
  }
  const normalizer = NORMALIZERS[event.vendor];
  if (!normalizer.maps(event.object_type)) {
    await recordWebhookEvent(ctx.db, event, key, connection.userId);
    log.info("vendor_event_recorded_unmapped");
    return;
  }
  const dates = await withVendor(ctx, connection, {
    write: (tx, api) => normalizer.applyEvent(tx, api, connection.userId, event),
    prefetch: normalizer.prefetch && ((api) => normalizer.prefetch!(api, event)),
    alsoInTx: (tx) => recordWebhookEvent(tx, event, key, connection.userId),
  });
  ctx.changedDays.add(connection.userId, dates, event.traceparent);
  log.info("vendor_event_applied", { dates: dates.length });
}

export async function handleSyncRange(ctx: IngestContext, sync: SyncRangeMessage): Promise<void> {
  const { start_date: start, end_date: end } = sync;
  if (!isCalendarDate(start) || !isCalendarDate(end) || daysBetween(start, end) < 0 || daysBetween(start, end) >= MAX_SYNC_DAYS) {
    throw new PermanentError(`invalid sync range (at most ${MAX_SYNC_DAYS} days, start not after end)`);
  }
  const log = ctx.log.with({ reason: sync.reason });
  const connection = await connectionById(ctx.db, sync.connection_id);
  if (!connection) {
    log.info("sync_range_connection_gone");
    return;
  }
  ctx.noteUser(sync, connection.userId);
  const normalizer = NORMALIZERS[connection.vendor];
  const dates = await withVendor(ctx, connection, { write: (tx, api) => normalizer.syncRange(tx, api, connection.userId, start, end) });
  ctx.changedDays.add(connection.userId, dates, sync.traceparent);
  log.info("sync_range_applied", { vendor: connection.vendor, dates: dates.length });
}
