// Audit rows of readiness reads, written in batches: one insert per isolate per AUDIT_BATCH_MS
// instead of a durable write per read.
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
import { readinessClient } from "../../durable-objects/client";
import type { Env } from "../env";
import { auditMany, type TimedAuditEntry } from "./audit";
import { openDb, type DbConfig } from "./db";
import { createLogger, describeError } from "./logger";

export const AUDIT_BATCH_MS = 1_000;
/** Rows per insert: bounded so that a burst cannot build one oversized statement. */
const INSERT_ROWS = 5_000;

type ReadAuditEnv = Pick<Env, "USER_READINESS">;

interface PendingRead {
  userId: string;
  entry: TimedAuditEntry;
}

let batch: PendingRead[] = [];
let batchScheduled = false;

/** Records a read for the next batch; `waitUntil` keeps the first request of a batch alive until it is stored. */
export function auditReadLater(
  env: ReadAuditEnv,
  config: DbConfig,
  userId: string,
  entry: TimedAuditEntry,
  waitUntil: (work: Promise<unknown>) => void,
): void {
  batch.push({ userId, entry });
  if (batchScheduled) return;
  batchScheduled = true;
  waitUntil(storeBatchLater(env, config));
}

async function storeBatchLater(env: ReadAuditEnv, config: DbConfig): Promise<void> {
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
    await deferToObjects(env, reads.slice(stored), log);
  } finally {
    await close();
  }
}

/** Postgres unreachable: each user's rows wait in that user's object, which retries them. */
async function deferToObjects(env: ReadAuditEnv, reads: PendingRead[], log: ReturnType<typeof createLogger>): Promise<void> {
  const byUser = new Map<string, TimedAuditEntry[]>();
  for (const { userId, entry } of reads) {
    const entries = byUser.get(userId);
    if (entries) entries.push(entry);
    else byUser.set(userId, [entry]);
  }
  await Promise.all(
    [...byUser].map(([userId, entries]) =>
      readinessClient(env, userId).recordReads(entries).catch((error: unknown) => {
        log.error("read_audit_rows_lost", { rows: entries.length, ...describeError(error) });
      }),
    ),
  );
}
