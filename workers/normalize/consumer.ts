// Consumer of the `ingest` queue: fetch the vendor's object with the user's token, map it to canonical
// rows and upsert them idempotently, then ask for the affected readiness days to be recomputed (one
// insights message per user per batch).
import type { Config, Env } from "../env";
import { openDb } from "../lib/db";
import { createLogger, describeError } from "../lib/logger";
import { ingestMessage, type IngestMessage } from "../lib/messages";
import type { Metrics } from "../lib/metrics";
import { consumeEach } from "../queues/consume";
import { vendorApiBases } from "../vendors/registry";
import { tracedVendorFetch } from "../vendors/traced-fetch";
import type { FetchLike } from "../vendors/types";
import { handleSyncRange, handleVendorEvent, type IngestContext } from "./handlers";
import { requeueWhenBudgetSpent } from "./requeue";
import { ChangedDaysByTrace } from "./changed-days";

export const INGEST_MAX_RETRIES = 5;

/**
 * An ingest message holds one connection at a time (a one-shot statement, a vendor read, then its
 * session under the write lock), two only when a read must be made again under the lock: five at
 * once leave the sixth of an invocation's connections for that, and match the session pool's five.
 */
export const INGEST_MESSAGES_AT_ONCE = 5;

export async function consumeIngest(
  batch: MessageBatch<unknown>,
  env: Env,
  config: Config,
  fetchImpl: FetchLike = (input, init) => fetch(input, init),
  metrics?: Metrics,
): Promise<void> {
  const handle = openDb(config);
  const log = createLogger({ queue: batch.queue });
  const users = new WeakMap<object, string>();
  const apiBases = vendorApiBases(config);
  const ctx: IngestContext = {
    db: handle.db,
    config,
    log,
    changedDays: new ChangedDaysByTrace(),
    fetchImpl,
    noteUser: (message, userId) => users.set(message, userId),
  };
  try {
    await consumeEach<IngestMessage>({
      batch,
      schema: ingestMessage,
      db: handle.db,
      maxRetries: INGEST_MAX_RETRIES,
      atOnce: INGEST_MESSAGES_AT_ONCE,
      userIdOf: (body) => users.get(body),
      // One account's events in order: they share its write lock, and a duplicate finds its twin done.
      laneOf: (body) => (body.kind === "vendor_event" ? `${body.vendor}:${body.vendor_user_id}` : `connection:${body.connection_id}`),
      metrics,
      handle: (body, mlog) =>
        requeueWhenBudgetSpent(env.INGEST_QUEUE, body, mlog, async () => {
          const mctx = { ...ctx, log: mlog, fetchImpl: tracedVendorFetch(fetchImpl, body.traceparent, metrics, apiBases) };
          if (body.kind === "vendor_event") await handleVendorEvent(mctx, body);
          else await handleSyncRange(mctx, body);
        }),
    });
    await ctx.changedDays.send(env.INSIGHTS_QUEUE).catch((error: unknown) => {
      log.error("insights_request_failed", describeError(error));
    });
  } finally {
    await handle.close();
  }
}
