// App-wide vendor call budget in Postgres (docs/adr/0007). WHOOP limits the whole application to 100
// calls a minute and 10,000 a day, and every isolate and queue consumer spends from that one account,
// so the count lives where they all meet. Each call is granted by one conditional upsert per window
// (fixed windows aligned to the minute and the UTC day); a vendor 429 blocks the budget until its
// reset time. A refused call becomes CallBudgetSpent, and the ingest consumer puts the message back
// on the queue with that delay instead of spending one of its retries.
import { sql } from "drizzle-orm";
import type { Database } from "../lib/db";
import { CallBudgetSpent, rateLimitResetSeconds } from "../vendors/http";
import type { FetchLike, Vendor } from "../vendors/types";

export interface BudgetLimits {
  perMinute: number;
  perDay: number;
}

const WINDOWS = [
  { name: "minute", ms: 60_000, limit: (l: BudgetLimits) => l.perMinute },
  { name: "day", ms: 86_400_000, limit: (l: BudgetLimits) => l.perDay },
] as const;

const windowStart = (nowMs: number, ms: number) => Math.floor(nowMs / ms) * ms;

class RefusedCall extends Error {
  constructor(readonly waitSeconds: number) {
    super("call refused");
  }
}

/** Takes one call from the budget; returns null when granted, else the seconds to wait. */
export async function reserveCall(db: Database, key: string, limits: BudgetLimits, nowMs = Date.now()): Promise<number | null> {
  const now = new Date(nowMs).toISOString();
  const outcome = await db.transaction(async (tx): Promise<{ waitSeconds: number | null }> => {
    for (const window of WINDOWS) {
      const start = new Date(windowStart(nowMs, window.ms)).toISOString();
      const { rows } = await tx.execute(sql`
        INSERT INTO vendor_call_budget AS b (budget_key, window_name, window_start, used)
        VALUES (${key}, ${window.name}, ${start}, 1)
        ON CONFLICT (budget_key, window_name) DO UPDATE
          SET used = CASE WHEN b.window_start = excluded.window_start THEN b.used + 1 ELSE 1 END,
              window_start = excluded.window_start
          WHERE (b.blocked_until IS NULL OR b.blocked_until <= ${now})
            AND (b.window_start <> excluded.window_start OR b.used < ${window.limit(limits)})
        RETURNING used`);
      if (rows.length === 0) {
        const { rows: blocked } = await tx.execute<{ until: string | null }>(sql`
          SELECT max(blocked_until) AS until FROM vendor_call_budget WHERE budget_key = ${key}`);
        // Blocked by a vendor 429: wait for its reset; otherwise for the spent window to end.
        const blockedMs = Date.parse(blocked[0]?.until ?? "") || 0;
        const untilMs = blockedMs > nowMs ? blockedMs : windowStart(nowMs, window.ms) + window.ms;
        // Thrown, so that a window already counted for this call is rolled back with the refusal.
        throw new RefusedCall(Math.max(1, Math.ceil((untilMs - nowMs) / 1000)));
      }
    }
    return { waitSeconds: null };
  }).catch((error: unknown) => {
    if (error instanceof RefusedCall) return { waitSeconds: error.waitSeconds };
    throw error;
  });
  return outcome.waitSeconds;
}

/** Records a vendor 429: no call is granted before `untilMs`. */
export async function blockCalls(db: Database, key: string, untilMs: number, nowMs = Date.now()): Promise<void> {
  const until = new Date(untilMs).toISOString();
  await db.execute(sql`
    INSERT INTO vendor_call_budget (budget_key, window_name, window_start, used, blocked_until)
    VALUES (${key}, 'minute', ${new Date(windowStart(nowMs, 60_000)).toISOString()}, 0, ${until})
    ON CONFLICT (budget_key, window_name) DO UPDATE
      SET blocked_until = greatest(coalesce(vendor_call_budget.blocked_until, excluded.blocked_until), excluded.blocked_until)`);
}

/** A fetch that spends from the budget before each call and notes the vendor's 429 reset. */
export function budgetedFetch(db: Database, vendor: Vendor, key: string, limits: BudgetLimits, fetchImpl: FetchLike): FetchLike {
  return async (input, init) => {
    const waitSeconds = await reserveCall(db, key, limits);
    if (waitSeconds !== null) throw new CallBudgetSpent(vendor, waitSeconds);
    const response = await fetchImpl(input, init);
    if (response.status === 429) {
      const reset = rateLimitResetSeconds(response.headers) ?? 60;
      await blockCalls(db, key, Date.now() + reset * 1000);
    }
    return response;
  };
}
