// Replaying a dead letter: its original body goes back to its queue as a new message (so its attempt
// count starts again), after checks that make a replay safe to repeat:
//   - the body must still be a valid message of that queue (else it would only dead-letter again);
//   - the user it acts for must still exist: an erased (or disconnected) user's body is refused, so a
//     replay can never bring erased data back;
//   - consumers are idempotent (webhook event keys, upserts on natural keys), so a replayed event that
//     already landed changes nothing.
// Each replay marks the dead letter and leaves a dead_letter_replays row (who, when).
import type { Pool } from "@neondatabase/serverless";
import type { Env } from "../env";
import { ingestMessage, insightsMessage } from "../lib/messages";
import { queueRole } from "../lib/metrics";

export type ReplayResult =
  | { id: number; status: "replayed"; queue: string }
  | { id: number; status: "refused"; reason: string }
  | { id: number; status: "not_found" };

interface DeadLetterRow {
  id: number;
  queue: string;
  message_id: string;
  body: unknown;
}

type Queues = Pick<Env, "INGEST_QUEUE" | "INSIGHTS_QUEUE">;

export async function replayDeadLetter(pool: Pool, queues: Queues, id: number, actor: string): Promise<ReplayResult> {
  const { rows } = await pool.query<DeadLetterRow>("SELECT id, queue, message_id, body FROM dead_letters WHERE id = $1", [id]);
  const letter = rows[0];
  if (!letter) return { id, status: "not_found" };
  const refusal = await refusalFor(pool, letter);
  if (refusal) return { id, status: "refused", reason: refusal };
  const queue = queueRole(letter.queue) === "ingest" ? queues.INGEST_QUEUE : queues.INSIGHTS_QUEUE;
  await queue.send(letter.body, { contentType: "json" });
  await pool.query(
    `WITH marked AS (UPDATE dead_letters SET replayed_at = now() WHERE id = $1 RETURNING id, queue, message_id)
     INSERT INTO dead_letter_replays (dead_letter_id, queue, message_id, replayed_by) SELECT id, queue, message_id, $2 FROM marked`,
    [id, actor.slice(0, 200)],
  );
  return { id, status: "replayed", queue: letter.queue };
}

/** Every dead letter of a queue not replayed yet, oldest first. */
export async function replayAll(pool: Pool, queues: Queues, queue: string, actor: string): Promise<ReplayResult[]> {
  const { rows } = await pool.query<{ id: string }>(
    "SELECT id FROM dead_letters WHERE (queue = $1 OR queue LIKE '%-' || $1) AND replayed_at IS NULL ORDER BY received_at LIMIT 1000",
    [queue],
  );
  const results: ReplayResult[] = [];
  for (const { id } of rows) results.push(await replayDeadLetter(pool, queues, Number(id), actor));
  return results;
}

/** Why this body must not be replayed, or null. */
async function refusalFor(pool: Pool, letter: DeadLetterRow): Promise<string | null> {
  const role = queueRole(letter.queue);
  if (role === "insights") {
    const parsed = insightsMessage.safeParse(letter.body);
    if (!parsed.success) return "the body is not a valid insights message";
    return (await exists(pool, "SELECT 1 FROM users WHERE id = $1", [parsed.data.user_id])) ? null : "the body's user no longer exists (erased)";
  }
  if (role !== "ingest") return `no queue to replay into for ${letter.queue}`;
  const parsed = ingestMessage.safeParse(letter.body);
  if (!parsed.success) return "the body is not a valid ingest message";
  const message = parsed.data;
  const connected = message.kind === "vendor_event"
    ? await exists(pool, "SELECT 1 FROM connections WHERE vendor = $1 AND vendor_user_id = $2", [message.vendor, message.vendor_user_id])
    : await exists(pool, "SELECT 1 FROM connections WHERE id = $1", [message.connection_id]);
  return connected ? null : "the body's user no longer exists (erased or disconnected)";
}

async function exists(pool: Pool, sql: string, params: unknown[]): Promise<boolean> {
  return (await pool.query(sql, params)).rows.length > 0;
}
