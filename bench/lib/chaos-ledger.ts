// What went in and what came out of a fault run: every webhook the hub answered 2xx is an event it
// promised to keep; after recovery each of their nights must have exactly its one daily row, equal to
// the simulator's document (never lost, never doubled, never merged), and no dead letter.
import type { Pool } from "@neondatabase/serverless";
import type { OuraNightRef } from "./oura-webhooks";

export interface LedgerCounts {
  /** Nights with at least one accepted (2xx) webhook. */
  nightsIn: number;
  /** Of those, nights whose daily row exists. */
  rowsOut: number;
  /** Daily rows whose totals differ from the simulator's document (a doubled or merged night). */
  wrong: number;
  /** Stored documents beyond one per night. */
  doubled: number;
  deadLetters: number;
}

/** A night's expected total sleep, keyed by user and date. */
export type Truth = Map<string, number>;
export const truthKey = (userId: string, day: string) => `${userId}|${day}`;

export async function ledger(pool: Pool, accepted: readonly OuraNightRef[], truth: Truth): Promise<LedgerCounts> {
  const nights = new Map(accepted.map((n) => [truthKey(n.userId, n.day), n]));
  const userIds = [...new Set(accepted.map((n) => n.userId))];
  const rows = await pool.query<{ user_id: string; date: string; total_sleep_s: number }>(
    "SELECT user_id, to_char(date, 'YYYY-MM-DD') AS date, total_sleep_s FROM sleep_daily WHERE source = 'oura' AND user_id = ANY($1::uuid[])",
    [userIds],
  );
  let rowsOut = 0;
  let wrong = 0;
  for (const row of rows.rows) {
    const key = truthKey(row.user_id, row.date);
    if (!nights.has(key)) continue;
    rowsOut++;
    if (row.total_sleep_s !== truth.get(key)) wrong++;
  }
  const docs = await pool.query<{ extra: number }>(
    "SELECT (count(*) - count(DISTINCT object_id))::int AS extra FROM vendor_records WHERE user_id = ANY($1::uuid[])",
    [userIds],
  );
  const letters = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM dead_letters WHERE user_id = ANY($1::uuid[]) OR user_id IS NULL", [userIds]);
  return { nightsIn: nights.size, rowsOut, wrong, doubled: docs.rows[0]!.extra, deadLetters: letters.rows[0]!.n };
}

/** Polls the ledger until every accepted night has its row (or `timeoutS` passes); seconds it took. */
export async function waitForLedger(pool: Pool, accepted: readonly OuraNightRef[], truth: Truth, timeoutS: number): Promise<{ counts: LedgerCounts; seconds: number }> {
  const t0 = performance.now();
  for (;;) {
    const counts = await ledger(pool, accepted, truth).catch(() => undefined);
    const seconds = (performance.now() - t0) / 1000;
    if (counts && (counts.rowsOut >= counts.nightsIn || seconds >= timeoutS)) return { counts, seconds };
    if (!counts && seconds >= timeoutS) throw new Error("the ledger could not be read (database still down?)");
    await new Promise((r) => setTimeout(r, 500));
  }
}
