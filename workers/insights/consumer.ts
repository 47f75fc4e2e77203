// Consumer of the `insights` queue: hands each user's dates to that user's UserReadiness Durable
// Object, which coalesces bursts and recomputes once.
import type { Config, Env } from "../env";
import { openDb } from "../lib/db";
import { isCalendarDate } from "../lib/calendar";
import { insightsMessage, type InsightsMessage } from "../lib/messages";
import { consumeEach, PermanentError } from "../queues/consume";
import { readinessClient } from "../../durable-objects/client";
import type { Metrics } from "../lib/metrics";
import { childTraceparent } from "../lib/trace";

export const INSIGHTS_MAX_RETRIES = 5;

export async function consumeInsights(batch: MessageBatch<unknown>, env: Env, config: Config, metrics?: Metrics): Promise<void> {
  const handle = openDb(config);
  try {
    await consumeEach<InsightsMessage>({
      batch,
      schema: insightsMessage,
      db: handle.db,
      maxRetries: INSIGHTS_MAX_RETRIES,
      userIdOf: (body) => body.user_id,
      laneOf: (body) => body.user_id,
      metrics,
      handle: async (body) => {
        // An impossible date would fail every recompute of the user: refuse the message instead.
        if (!body.dates.every(isCalendarDate)) throw new PermanentError("dates holds an impossible calendar date");
        await readinessClient(env, body.user_id).requestRecompute(body.user_id, body.dates, childTraceparent(body.traceparent));
      },
    });
  } finally {
    await handle.close();
  }
}
