// The per-message loop every consumer shares: validate the body with zod, run the handler, then
// ack, retry with backoff, or dead-letter with the reason. Nothing is silently dropped.
import type { z } from "zod";
import { storeDeadLetter } from "../dead-letters/store";
import type { Database } from "../lib/db";
import { createLogger, describeError, type Logger } from "../lib/logger";
import type { Metrics } from "../lib/metrics";
import { messageSummary } from "./summary";

/** Thrown by handlers for failures that retrying cannot fix (dead-lettered at once). */
export class PermanentError extends Error {
  override name = "PermanentError";
}

/** Thrown by handlers for transient failures; `delaySeconds` honours a vendor's Retry-After. */
export class RetryableError extends Error {
  override name = "RetryableError";
  constructor(message: string, readonly delaySeconds?: number) {
    super(message);
  }
}

export interface ConsumeOptions<T> {
  batch: MessageBatch<unknown>;
  schema: z.ZodType<T>;
  db: Database;
  /** Retries allowed before the message is dead-lettered by us (the queue's max_retries). */
  maxRetries: number;
  handle: (body: T, log: Logger, message: Message<unknown>) => Promise<void>;
  userIdOf?: (body: T) => string | undefined;
  /**
   * Messages with the same lane are handled one after another, in batch order (a redelivered event
   * then finds the first copy's work done instead of fetching the object again beside it); lanes run
   * at once. Default: every message its own lane.
   */
  laneOf?: (body: T) => string;
  /** Collects one data point per message (and per dead letter); the caller flushes it. */
  metrics?: Metrics;
  /** Lanes handled at once (default MESSAGES_AT_ONCE). */
  atOnce?: number;
}

const BASE_DELAY_SECONDS = 5;
const MAX_DELAY_SECONDS = 15 * 60;

export function backoffSeconds(attempts: number): number {
  return Math.min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** Math.max(0, attempts - 1));
}

/**
 * Lanes of a batch (see laneOf) handled at once, unless a consumer says otherwise: most of a message's
 * time is spent waiting (vendor API, Postgres), so one after another a batch of 25 took 25 round trips
 * to both. A Worker invocation may hold six connections open at once (the runtime queues the rest);
 * three messages holding two each fill them.
 */
export const MESSAGES_AT_ONCE = 3;

/** Runs `work` over `items` with at most `limit` running at once, in order of start. */
export async function eachAtOnce<I>(items: readonly I[], limit: number, work: (item: I) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** The batch's messages grouped by lane, each group in batch order. */
function lanes<T>(messages: readonly Message<unknown>[], opts: ConsumeOptions<T>): Message<unknown>[][] {
  const byLane = new Map<string, Message<unknown>[]>();
  messages.forEach((message, i) => {
    const parsed = opts.laneOf ? opts.schema.safeParse(message.body) : undefined;
    const lane = parsed?.success ? `lane:${opts.laneOf!(parsed.data)}` : `message:${i}`;
    const group = byLane.get(lane);
    if (group) group.push(message);
    else byLane.set(lane, [message]);
  });
  return [...byLane.values()];
}

export async function consumeEach<T>(opts: ConsumeOptions<T>): Promise<void> {
  const log = createLogger({ queue: opts.batch.queue });
  await eachAtOnce(lanes(opts.batch.messages, opts), opts.atOnce ?? MESSAGES_AT_ONCE, async (lane) => {
    for (const message of lane) await consumeOne(message, opts, log);
  });
}

async function consumeOne<T>(message: Message<unknown>, opts: ConsumeOptions<T>, log: Logger): Promise<void> {
  const summary = messageSummary(log, opts.batch.queue, message, opts.metrics);
  const mlog = summary.log;
  const parsed = opts.schema.safeParse(message.body);
  const deadLetter = async (reason: string, userId?: string) => {
    await storeDeadLetter(opts.db, {
      queue: opts.batch.queue, messageId: message.id, body: message.body, reason, attempts: message.attempts, userId,
    });
    mlog.warn("message_dead_lettered", { reason });
    opts.metrics?.deadLetter(opts.batch.queue, reason);
    message.ack();
    summary.done("dead_letter");
  };
  try {
    if (!parsed.success) {
      await deadLetter(`invalid message: ${parsed.error.issues[0]?.path.join(".") || "body"} ${parsed.error.issues[0]?.message ?? ""}`.trim());
      return;
    }
    try {
      await opts.handle(parsed.data, mlog, message);
      message.ack();
      summary.done("ack");
    } catch (error) {
      if (error instanceof PermanentError) {
        await deadLetter(error.message, opts.userIdOf?.(parsed.data));
      } else if (message.attempts > opts.maxRetries) {
        await deadLetter(`retries exhausted: ${(error as Error).message ?? "unknown"}`, opts.userIdOf?.(parsed.data));
      } else {
        const delaySeconds = error instanceof RetryableError && error.delaySeconds !== undefined
          ? Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil(error.delaySeconds)))
          : backoffSeconds(message.attempts);
        mlog.warn("message_retry", { delay_seconds: delaySeconds, ...describeError(error) });
        message.retry({ delaySeconds });
        summary.done("retry");
      }
    }
  } catch (error) {
    // Even storing the dead letter failed (database down): let the queue redeliver.
    mlog.error("message_handling_failed", describeError(error));
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    summary.done("failed");
  }
}
