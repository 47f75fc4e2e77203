// Helpers for the ingest tests: signed webhook requests, running the ingest consumer on a hand-made
// batch, queue spies, vendor documents with fresh ids, and readers of the canonical rows.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import worker from "../../workers/index";
import type { Env } from "../../workers/env";
import type { IngestMessage, InsightsMessage } from "../../workers/lib/messages";
import { signOuraWebhook } from "../../workers/vendors/oura";
import { signWhoopWebhook } from "../../workers/vendors/whoop";
import ouraLongSleep from "../fixtures/oura/sleep-long-sleep.json";
import ouraNap from "../fixtures/oura/sleep-nap.json";
import whoopRecovery from "../fixtures/whoop/recovery.json";
import whoopScored from "../fixtures/whoop/sleep-scored.json";
import { testDb, testEnv } from "./helpers";

export const HUB = "http://hub.test";

export function signedOuraRequest(body: unknown, options: { timestampSeconds?: number; secret?: string; headers?: Record<string, string> } = {}) {
  return async (): Promise<Request> => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const timestamp = String(options.timestampSeconds ?? Math.floor(Date.now() / 1000));
    const signature = await signOuraWebhook(options.secret ?? testEnv.OURA_CLIENT_SECRET!, timestamp, text);
    return new Request(`${HUB}/webhooks/oura`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-oura-signature": signature, "x-oura-timestamp": timestamp, ...options.headers },
      body: text,
    });
  };
}

export function signedWhoopRequest(body: unknown, options: { timestampMs?: number; headers?: Record<string, string> } = {}) {
  return async (): Promise<Request> => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const timestamp = String(options.timestampMs ?? Date.now());
    const signature = await signWhoopWebhook(testEnv.WHOOP_CLIENT_SECRET!, timestamp, text);
    return new Request(`${HUB}/webhooks/whoop`, {
      method: "POST",
      headers: { "content-type": "application/json", "X-WHOOP-Signature": signature, "X-WHOOP-Signature-Timestamp": timestamp, ...options.headers },
      body: text,
    });
  };
}

/** A Queue that records what it is given, or refuses everything when `refuse` is set. */
export function spyQueue(refuse = false): Queue<unknown> & { bodies: unknown[] } {
  const bodies: unknown[] = [];
  const fail = () => Promise.reject(new Error("Queue send failed: simulated outage"));
  return {
    bodies,
    send: async (body: unknown) => (refuse ? fail() : void bodies.push(body)),
    sendBatch: async (messages: Iterable<{ body: unknown }>) => (refuse ? fail() : void bodies.push(...[...messages].map((m) => m.body))),
  } as unknown as Queue<unknown> & { bodies: unknown[] };
}

/** Calls the Worker's fetch with its queue bindings replaced, so a test can see what was enqueued. */
export async function fetchWithQueue(request: Request, ingest: Queue<unknown>): Promise<Response> {
  const env = { ...testEnv, INGEST_QUEUE: ingest } as unknown as Env;
  return worker.fetch!(request as Request<unknown, IncomingRequestCfProperties>, env, createExecutionContext());
}

export interface IngestRun {
  ids: string[];
  acked: string[];
  retried: { msgId: string; delaySeconds?: number }[];
  insights: InsightsMessage[];
  /** Messages the consumer put back on the ingest queue (a spent vendor call budget), with their delay. */
  requeued: { body: unknown; delaySeconds?: number }[];
}

/**
 * Runs the ingest consumer on one batch (as the queue would) and reports each message's outcome.
 * `vars` override the Worker's variables for this run (e.g. a WHOOP call budget of its own).
 */
export async function runIngest(messages: (IngestMessage | Record<string, unknown>)[], attempts = 1, vars: Record<string, string> = {}): Promise<IngestRun> {
  const ids = messages.map(() => crypto.randomUUID().replaceAll("-", ""));
  const batch = createMessageBatch<unknown>("hub-ingest", messages.map((body, i) => ({ id: ids[i]!, timestamp: new Date(), attempts, body })));
  // The test runtime records that a message was retried but not the delay asked for: capture it.
  const delays = new Map<string, number | undefined>();
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (options?: QueueRetryOptions) => {
      delays.set(message.id, options?.delaySeconds);
      retry(options);
    };
  }
  const insights = spyQueue();
  const requeued: IngestRun["requeued"] = [];
  const ingest = { send: async (body: unknown, options?: QueueSendOptions) => void requeued.push({ body, delaySeconds: options?.delaySeconds }) };
  const ctx = createExecutionContext();
  await worker.queue!(batch, { ...testEnv, ...vars, INSIGHTS_QUEUE: insights, INGEST_QUEUE: ingest } as unknown as Env, ctx);
  const result = await getQueueResult(batch, ctx);
  return {
    ids,
    acked: result.explicitAcks,
    retried: result.retryMessages.map(({ msgId }: { msgId: string }) => ({ msgId, delaySeconds: delays.get(msgId) })),
    insights: insights.bodies as InsightsMessage[],
    requeued,
  };
}

// ---- vendor documents with fresh ids -----------------------------------------------------------

export type Doc = Record<string, unknown>;

export function ouraNight(overrides: Doc = {}): Doc {
  return { ...structuredClone(ouraLongSleep), id: crypto.randomUUID(), ...overrides };
}

export function ouraNapOf(night: Doc, overrides: Doc = {}): Doc {
  return { ...structuredClone(ouraNap), id: crypto.randomUUID(), day: night.day, ...overrides };
}

export function whoopSleep(whoopUserId: number, overrides: Doc = {}): Doc {
  return { ...structuredClone(whoopScored), id: crypto.randomUUID(), cycle_id: 100_000_000 + Math.floor(Math.random() * 1e9), user_id: whoopUserId, ...overrides };
}

export function whoopRecoveryOf(sleep: Doc, overrides: Doc = {}): Doc {
  return { ...structuredClone(whoopRecovery), cycle_id: sleep.cycle_id, sleep_id: sleep.id, user_id: sleep.user_id, ...overrides };
}

export function ouraEvent(vendorUserId: string, objectId: string, eventType: "create" | "update" | "delete" = "update", eventTime = new Date().toISOString()) {
  return { event_type: eventType, data_type: "sleep", object_id: objectId, event_time: eventTime, user_id: vendorUserId };
}

export function whoopEvent(whoopUserId: number, id: string, type: string) {
  return { user_id: whoopUserId, id, type, trace_id: crypto.randomUUID() };
}

/** The queue message the webhook route makes for an Oura event (raw body included). */
export function ouraMessage(event: ReturnType<typeof ouraEvent>): IngestMessage {
  return {
    kind: "vendor_event", vendor: "oura", vendor_user_id: event.user_id, object_type: event.data_type, object_id: event.object_id,
    action: event.event_type === "delete" ? "delete" : "upsert", event_time: event.event_time, raw: JSON.stringify(event),
  };
}

export function whoopMessage(event: ReturnType<typeof whoopEvent>): IngestMessage {
  const [objectType = "", change] = event.type.split(".");
  return {
    kind: "vendor_event", vendor: "whoop", vendor_user_id: String(event.user_id), object_type: objectType, object_id: event.id,
    action: change === "deleted" ? "delete" : "upsert", trace_id: event.trace_id, raw: JSON.stringify(event),
  };
}

// ---- rows --------------------------------------------------------------------------------------

export async function query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const { pool, close } = testDb();
  try {
    return (await pool.query(sql, params)).rows as T[];
  } finally {
    await close();
  }
}

export const sleepRows = (userId: string, source = "oura") =>
  query(`SELECT to_char(date, 'YYYY-MM-DD') AS date, total_sleep_s, deep_s, light_s, rem_s, awake_s, efficiency_pct, latency_s,
           bedtime_start, bedtime_end, avg_hrv_ms, lowest_hr_bpm FROM sleep_daily WHERE user_id = $1 AND source = $2 ORDER BY date`, [userId, source]);

export const hrvRows = (userId: string, source = "oura") =>
  query(`SELECT to_char(date, 'YYYY-MM-DD') AS date, rmssd_ms, sdnn_ms, resting_hr_bpm FROM hrv_daily
         WHERE user_id = $1 AND source = $2 ORDER BY date`, [userId, source]);

export const sessionRows = (userId: string, source = "oura") =>
  query<{ id: string; date: string; is_main: boolean; total_sleep_s: number | null }>(
    `SELECT vendor_object_id AS id, to_char(date, 'YYYY-MM-DD') AS date, is_main, total_sleep_s FROM sleep_sessions
     WHERE user_id = $1 AND source = $2 ORDER BY start_at`, [userId, source]);

export const iso = (value: unknown) => new Date(value as string).toISOString();
