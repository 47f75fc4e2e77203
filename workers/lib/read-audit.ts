// The one path of read audit rows (what was read, never values): written at once (auditReadNow), or
// for reads answered from a cache in batches, one insert per isolate per AUDIT_BATCH_MS instead of a
// durable write per read (auditReadLater). Rows Postgres cannot take go to the outbox the caller
// gives (the user's Durable Object, durable-objects/client.ts `auditOutbox`), which retries them.
//
// Why: a read answered from a cache would otherwise pay a durable write (the Durable Object's outbox)
// and later a Postgres connection per user per flush, which cost more than the read itself and bound a
// workerd process near a thousand reads per second. Here a read only appends to this isolate's batch;
// the first read of a batch keeps its request alive (waitUntil) until the batch is stored, so rows
// reach audit_log about a second after the answer, over one connection for every user in the batch.
// When Postgres cannot take them, each user's rows go to that user's Durable Object outbox, which
// retries until Postgres answers.
//
// What that costs (docs/security.md, docs/adr/0005): the row is stored after the answer, not before;
// an isolate that crashes within that second loses the rows of its batch — the record of the reads,
// never data.
import { audit, auditMany, type TimedAuditEntry } from "./audit";
import { openDb, type Database, type DbConfig } from "./db";
import { createLogger, describeError, type Logger } from "./logger";

export const AUDIT_BATCH_MS = 1_000;
/** Rows per insert: bounded so that a burst cannot build one oversized statement. */
const INSERT_ROWS = 5_000;

/**
 * Where deferred rows come from. `request`: the read's own request waits for the row (its user
 * exists), so it is always kept. `batch`: the row comes from an isolate's batch about a second after
 * the read; a user erased meanwhile must not get it back, so the outbox may drop it.
 */
export type DeferredAuditOrigin = "request" | "batch";

/** Keeps a user's rows until Postgres takes them (the user's Durable Object, durable-objects/client.ts). */
export type AuditOutbox = (userId: string, entries: TimedAuditEntry[], origin: DeferredAuditOrigin) => Promise<void>;

interface PendingRead {
  userId: string;
  entry: TimedAuditEntry;
}

let batch: PendingRead[] = [];
let batchScheduled = false;

/**
 * Writes the read's row before the answer. When Postgres cannot take it, the outbox keeps it; if that
 * fails too, this throws: the read fails rather than go unaudited.
 */
export async function auditReadNow(db: Database, outbox: AuditOutbox, userId: string, entry: TimedAuditEntry, log: Logger): Promise<void> {
  try {
    await audit(db, entry);
  } catch (error) {
    log.warn("audit_deferred", { resource: entry.resource, ...describeError(error) });
    await outbox(userId, [entry], "request");
  }
}

/** Records a read for the next batch; `waitUntil` keeps the first request of a batch alive until it is stored. */
export function auditReadLater(
  outbox: AuditOutbox,
  config: DbConfig,
  userId: string,
  entry: TimedAuditEntry,
  waitUntil: (work: Promise<unknown>) => void,
): void {
  batch.push({ userId, entry });
  if (batchScheduled) return;
  batchScheduled = true;
  waitUntil(storeBatchLater(outbox, config));
}

async function storeBatchLater(outbox: AuditOutbox, config: DbConfig): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, AUDIT_BATCH_MS));
  const reads = batch;
  batch = [];
  batchScheduled = false;
  const { pool, close } = openDb(config);
  let stored = 0;
  try {
    for (; stored < reads.length; stored += INSERT_ROWS) {
      await auditMany(pool, reads.slice(stored, stored + INSERT_ROWS).map((read) => read.entry));
    }
  } catch (error) {
    const log = createLogger({ component: "read_audit" });
    log.warn("read_audit_deferred", { rows: reads.length - stored, ...describeError(error) });
    await deferToOutbox(outbox, reads.slice(stored), log);
  } finally {
    await close();
  }
}

/** Postgres unreachable: each user's rows wait in the outbox, which retries them. */
async function deferToOutbox(outbox: AuditOutbox, reads: PendingRead[], log: Logger): Promise<void> {
  const byUser = new Map<string, TimedAuditEntry[]>();
  for (const { userId, entry } of reads) {
    const entries = byUser.get(userId);
    if (entries) entries.push(entry);
    else byUser.set(userId, [entry]);
  }
  await Promise.all(
    [...byUser].map(([userId, entries]) =>
      outbox(userId, entries, "batch").catch((error: unknown) => {
        log.error("read_audit_rows_lost", { rows: entries.length, ...describeError(error) });
      }),
    ),
  );
}
