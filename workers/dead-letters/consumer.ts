// Consumer of the `*-dlq` queues: messages that exhausted their retries are stored, never dropped.
import type { Config } from "../env";
import { openDb } from "../lib/db";
import { createLogger } from "../lib/logger";
import type { Metrics } from "../lib/metrics";
import { ownerOfMessage, storeDeadLetter } from "./store";

export async function consumeDeadLetters(batch: MessageBatch<unknown>, config: Config, metrics?: Metrics): Promise<void> {
  const log = createLogger({ queue: batch.queue });
  const handle = openDb(config);
  try {
    for (const message of batch.messages) {
      try {
        const owner = await ownerOfMessage(handle.db, message.body);
        if (owner.named && owner.userId === null) {
          // About an account that was disconnected or erased since: a replay would change nothing,
          // and keeping it would hold that person's ids beyond their export and erasure.
          log.info("dead_letter_owner_gone", { message_id: message.id });
          message.ack();
          continue;
        }
        await storeDeadLetter(handle.db, {
          queue: batch.queue.replace(/-dlq$/, ""),
          messageId: message.id,
          body: message.body,
          reason: "retries exhausted",
          attempts: message.attempts,
          userId: owner.userId,
        });
        message.ack();
        metrics?.deadLetter(batch.queue, "retries exhausted");
        log.warn("message_dead_lettered", { message_id: message.id, attempts: message.attempts, reason: "retries exhausted" });
      } catch {
        log.error("dead_letter_store_failed", { message_id: message.id });
        message.retry({ delaySeconds: 30 });
      }
    }
  } finally {
    await handle.close();
  }
}
