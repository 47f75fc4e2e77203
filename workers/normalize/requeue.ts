// A message whose vendor call budget is spent goes back on the ingest queue with the budget's wait
// and is acked: a burst of webhooks waits its turn instead of spending the queue's retries (each
// retry would count toward max_retries and end in the dead-letter queue). Nothing was written: the
// refused call happens before any vendor answer, inside the rolled-back transaction.
//
// The waits are spread: a backlog larger than one window's budget, all told to wait until the window
// ends, came back at once at every window start, each refused message costing its lookups and a
// budget transaction again. Each refusal spreads the message's return over a range that doubles with
// the refusals it has met (60 s, 120 s, … 16 min), so a long backlog is refused fewer times a minute.
// (The grants themselves still come at the start of each window: docs/benchmarks.md, "The full profile".)
import type { Logger } from "../lib/logger";
import { CallBudgetSpent } from "../vendors/http";

/** Cloudflare Queues accept a delay of at most 12 hours. */
export const MAX_QUEUE_DELAY_SECONDS = 12 * 3600;
/** The spread after a first refusal; it doubles with each further one, up to 16 times. */
export const BUDGET_SPREAD_SECONDS = 60;
const MAX_SPREAD_DOUBLINGS = 4;

/** The delay for a message refused for the `refusals`-th time, given the budget's own wait. */
export function budgetDelaySeconds(waitSeconds: number, refusals: number, random: () => number = Math.random): number {
  const spread = BUDGET_SPREAD_SECONDS * 2 ** Math.min(Math.max(0, refusals - 1), MAX_SPREAD_DOUBLINGS);
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.ceil(waitSeconds + random() * spread));
}

/** What a requeue needs of the ingest queue's binding. */
interface IngestQueue {
  send(body: unknown, options: { delaySeconds: number; contentType: "json" }): Promise<unknown>;
}

export async function requeueWhenBudgetSpent<T extends { budget_refusals?: number }>(
  queue: IngestQueue, body: T, log: Logger, work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof CallBudgetSpent)) throw error;
    const refusals = (body.budget_refusals ?? 0) + 1;
    const delaySeconds = budgetDelaySeconds(error.waitSeconds, refusals);
    await queue.send({ ...body, budget_refusals: refusals }, { delaySeconds, contentType: "json" });
    log.info("vendor_budget_requeued", { vendor: error.vendor, delay_seconds: delaySeconds, refusals });
  }
}
