// Data safety under database faults (docs/resilience.md): the database is taken away for real — the
// isolated fault link refuses and drops this test's connections to the running Postgres — and every
// accepted event must land exactly once; reads must answer quickly with 503 or from the cache.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../../workers/index";
import type { Env } from "../../workers/env";
import type { IngestMessage } from "../../workers/lib/messages";
import { connectedUser } from "./connected-user";
import { testEnv, waitFor, executionContext } from "./helpers";
import { ouraEvent, ouraMessage, ouraNight, query, sleepRows, spyQueue } from "./ingest-helpers";
import { newUser, steadyNights, utcToday, writeNights } from "./readiness-fixtures";
import { isolatedDatabaseEnv, isolatedPostgres, sim } from "./sim";

const faultyEnv = isolatedDatabaseEnv(testEnv);

afterEach(async () => {
  await isolatedPostgres("clear");
});

interface Delivery {
  acked: string[];
  retried: string[];
}

/** One delivery of `messages` to the ingest consumer over the isolated database path, as the queue makes it. */
async function deliver(messages: { id: string; body: IngestMessage }[], attempts: number): Promise<Delivery> {
  const batch = createMessageBatch<unknown>("hub-ingest", messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts, body: m.body })));
  const ctx = createExecutionContext();
  await worker.queue!(batch, { ...faultyEnv, INSIGHTS_QUEUE: spyQueue() } as unknown as Env, ctx);
  const result = await getQueueResult(batch, ctx);
  return { acked: result.explicitAcks, retried: result.retryMessages.map((m: { msgId: string }) => m.msgId) };
}

/** Nights of one Oura user in the simulator, and the queue messages their webhooks became. */
async function ouraNights(count: number) {
  const user = await connectedUser("oura");
  const start = Date.parse(`${utcToday()}T00:00:00Z`) - count * 86_400_000;
  const nights = Array.from({ length: count }, (_, i) => ouraNight({ day: new Date(start + i * 86_400_000).toISOString().slice(0, 10) }));
  for (const night of nights) await sim.oura.putSleep(user.vendorUserId, night);
  const messages = nights.map((night) => ({ id: crypto.randomUUID().replaceAll("-", ""), body: ouraMessage(ouraEvent(user.vendorUserId, night.id as string)) }));
  return { user, nights, messages };
}

/** Rows written for the user: daily rows per day, and stored documents per object. */
async function footprint(userId: string) {
  const [docs] = await query<{ n: number; distinct_ids: number }>(
    "SELECT count(*)::int AS n, count(DISTINCT object_id)::int AS distinct_ids FROM vendor_records WHERE user_id = $1", [userId]);
  const [letters] = await query<{ n: number }>("SELECT count(*)::int AS n FROM dead_letters WHERE user_id = $1", [userId]);
  return { sleep: await sleepRows(userId), docs: docs!, deadLetters: letters!.n };
}

describe("Postgres outage while the ingest consumer works", () => {
  it("retries every message it could not write, then lands each event exactly once: 0 lost, 0 doubled", async () => {
    const { user, nights, messages } = await ouraNights(12);
    await isolatedPostgres("outage", { seconds: 60 });
    const during = await deliver(messages, 1);
    expect(during.acked).toEqual([]); // nothing acknowledged that was not written
    expect(during.retried.sort()).toEqual(messages.map((m) => m.id).sort());

    await isolatedPostgres("restore");
    let pending = messages;
    for (let attempt = 2; pending.length > 0 && attempt <= 6; attempt++) {
      const redelivered = await deliver(pending, attempt);
      pending = pending.filter((m) => !redelivered.acked.includes(m.id));
    }
    expect(pending).toEqual([]);
    // A duplicate delivery of everything (the queue is at-least-once) changes nothing.
    await deliver(messages, 1);

    const after = await footprint(user.userId);
    expect(after.docs).toEqual({ n: nights.length, distinct_ids: nights.length });
    expect(after.sleep.map((row) => row.date)).toEqual(nights.map((n) => n.day));
    expect(after.sleep.map((row) => row.total_sleep_s)).toEqual(nights.map((n) => n.total_sleep_duration));
    expect(after.deadLetters).toBe(0);
  }, 60_000);

  it("keeps the effect exactly once when a consumer dies after some messages and the batch is redelivered", async () => {
    const { user, nights, messages } = await ouraNights(10);
    // The first invocation gets through 4 messages and dies; the queue redelivers the whole batch
    // (acks of a failed invocation are not guaranteed), twice for good measure.
    expect((await deliver(messages.slice(0, 4), 1)).acked).toHaveLength(4);
    for (const attempt of [2, 3]) expect((await deliver(messages, attempt)).acked).toHaveLength(messages.length);

    const after = await footprint(user.userId);
    expect(after.docs).toEqual({ n: nights.length, distinct_ids: nights.length });
    expect(after.sleep).toHaveLength(nights.length);
    expect(after.sleep.map((row) => row.total_sleep_s)).toEqual(nights.map((n) => n.total_sleep_duration));
    expect(after.deadLetters).toBe(0);
  }, 60_000);
});

describe("reads while Postgres is away", () => {
  const get = (path: string, auth: Record<string, string>, env: object) =>
    worker.fetch(new Request(`http://hub.test${path}`, { headers: auth }), env as Env, executionContext());

  async function knownUser() {
    const user = await newUser();
    await writeNights(user.id, steadyNights(utcToday(), 30));
    // Known to the isolate (identity cached) and with today's readiness cached by its Durable Object.
    const warm = await get("/v1/me/readiness", user.auth, faultyEnv);
    expect(warm.status).toBe(200);
    return { user, snapshot: await warm.json() };
  }

  it("answers an uncached read with 503 DATABASE_UNAVAILABLE and Retry-After, at once, during an outage", async () => {
    const { user } = await knownUser();
    await isolatedPostgres("outage", { seconds: 60 });
    const t0 = Date.now();
    const res = await get("/v1/me/hrv", user.auth, faultyEnv);
    const elapsedMs = Date.now() - t0;
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("DATABASE_UNAVAILABLE");
    // Refused connections fail fast: well inside the statement budget (10 s in tests), never a hang.
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it("gives up on a database slower than the statement budget with 503, instead of waiting for it", async () => {
    const { user } = await knownUser();
    await isolatedPostgres("set", { latencyMs: [4_000, 4_000] });
    const budgeted = { ...faultyEnv, DB_TIMEOUT_MS: "800" };
    const t0 = Date.now();
    const res = await get("/v1/me/sleep", user.auth, budgeted);
    const elapsedMs = Date.now() - t0;
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("DATABASE_UNAVAILABLE");
    expect(elapsedMs).toBeLessThan(4_000); // answered at the budget, before the slow answer could arrive
  });

  it("serves today's readiness from the Durable Object cache with 200 during an outage", async () => {
    const { user, snapshot } = await knownUser();
    await isolatedPostgres("outage", { seconds: 60 });
    const res = await get("/v1/me/readiness", user.auth, faultyEnv);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(snapshot);
    await isolatedPostgres("restore"); // and uncached reads recover with the database
    await waitFor(async () => ((await get("/v1/me/hrv", user.auth, faultyEnv)).status === 200 ? true : undefined));
  });
});
