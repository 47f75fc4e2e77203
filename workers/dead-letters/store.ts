// Dead letters live in Postgres with their reason, so operators can count them and replay them
// (replayed_at marks a replay; the replay tool belongs to the operations work). Used by consumers for
// poison messages and by the DLQ consumers.
import { sql } from "drizzle-orm";
import type { Database } from "../lib/db";
import { deadLetters } from "../../db/schema";

export interface DeadLetter {
  queue: string;
  messageId: string;
  body: unknown;
  reason: string;
  attempts: number;
  userId?: string | null;
}

export async function storeDeadLetter(db: Database, letter: DeadLetter): Promise<void> {
  await db
    .insert(deadLetters)
    .values({
      queue: letter.queue,
      messageId: letter.messageId,
      body: letter.body ?? null,
      reason: letter.reason.slice(0, 500),
      attempts: letter.attempts,
      userId: letter.userId ?? null,
    })
    .onConflictDoUpdate({
      target: [deadLetters.queue, deadLetters.messageId],
      set: { reason: sql`excluded.reason`, attempts: sql`excluded.attempts`, replayedAt: null },
    });
}
