// Consumer of the `ingest` queue: fetch the vendor's object with the user's token, map it to canonical
// rows and upsert them idempotently, then ask for the affected readiness days to be recomputed.
import type { Config, Env } from "../env";
import { openDb } from "../lib/db";
import { ingestMessage, type IngestMessage } from "../lib/messages";
import { consumeEach, PermanentError } from "../queues/consume";

export const INGEST_MAX_RETRIES = 5;

export async function consumeIngest(batch: MessageBatch<unknown>, env: Env, config: Config): Promise<void> {
  const handle = openDb(config);
  try {
    await consumeEach<IngestMessage>({
      batch,
      schema: ingestMessage,
      db: handle.db,
      maxRetries: INGEST_MAX_RETRIES,
      handle: async (body) => {
        throw new PermanentError(`no handler for ${body.kind}`);
      },
    });
  } finally {
    await handle.close();
  }
}
