// A message whose vendor call budget is spent goes back on the ingest queue with the budget's wait
// and is acked: a burst of webhooks waits its turn instead of spending the queue's retries (each
// retry would count toward max_retries and end in the dead-letter queue). Nothing was written: the
// refused call happens before any vendor answer, inside the rolled-back transaction.
import type { Logger } from "../lib/logger";
import { CallBudgetSpent } from "../vendors/http";

/** Cloudflare Queues accept a delay of at most 12 hours. */
export const MAX_QUEUE_DELAY_SECONDS = 12 * 3600;

export async function requeueWhenBudgetSpent<T>(queue: Queue<unknown>, body: T, log: Logger, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof CallBudgetSpent)) throw error;
    const delaySeconds = Math.min(MAX_QUEUE_DELAY_SECONDS, error.waitSeconds);
    await queue.send(body, { delaySeconds, contentType: "json" });
    log.info("vendor_budget_requeued", { vendor: error.vendor, delay_seconds: delaySeconds });
  }
}
