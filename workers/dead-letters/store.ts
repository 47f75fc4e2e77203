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

/**
 * The hub user a queue message is about, so that export and erasure find its dead letter: `user_id`
 * (insights), the connection's user (`connection_id`, sync ranges) or the vendor account's
 * (`vendor` + `vendor_user_id`, vendor events). `named` says whether the message names anyone at
 * all; named but `userId` null means the account was disconnected or erased meanwhile.
 */
export async function ownerOfMessage(db: Database, body: unknown): Promise<{ named: boolean; userId: string | null }> {
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const text = (key: string) => (typeof fields[key] === "string" ? (fields[key] as string) : undefined);
  const uuid = (value: string | undefined) => (value && UUID.test(value) ? value : undefined);
  const userId = uuid(text("user_id"));
  const connectionId = uuid(text("connection_id"));
  const vendor = text("vendor");
  const vendorUserId = text("vendor_user_id");
  let query;
  if (userId) query = sql`SELECT id AS user_id FROM users WHERE id = ${userId}`;
  else if (connectionId) query = sql`SELECT user_id FROM connections WHERE id = ${connectionId}`;
  else if (vendor && vendorUserId) query = sql`SELECT user_id FROM connections WHERE vendor = ${vendor} AND vendor_user_id = ${vendorUserId}`;
  else return { named: false, userId: null };
  const { rows } = await db.execute<{ user_id: string }>(query);
  return { named: true, userId: rows[0]?.user_id ?? null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
