// The vendors' real error semantics, through the ingest consumer against the simulators and Postgres:
// Oura's 403 on data is a lapsed membership (not a revoked grant), WHOOP's 429 states its wait in
// X-RateLimit-Reset, and WHOOP calls are budgeted app-wide so that a burst waits in the queue.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../workers/env";
import { loadConfig } from "../../workers/env";
import { addDays, todayIn } from "../../workers/lib/calendar";
import type { IngestMessage } from "../../workers/lib/messages";
import { blockCalls, reserveCall } from "../../workers/normalize/call-budget";
import { BUDGET_SPREAD_SECONDS } from "../../workers/normalize/requeue";
import { RECONCILE_DAYS, reconcileConnections } from "../../workers/scheduled/reconcile";
import { connectedUser } from "./connected-user";
import { testDb, testEnv } from "./helpers";
import {
  ouraEvent, ouraMessage, ouraNight, query, runIngest, sleepRows, spyQueue, whoopEvent, whoopMessage, whoopSleep,
} from "./ingest-helpers";
import { bearer, sim } from "./sim";

const statusOf = async (connectionId: string) =>
  (await query<{ status: string }>("SELECT status FROM connections WHERE id = $1", [connectionId]))[0]?.status;

/** A WHOOP app of its own for one test, so its budget and its 429 block no other test's calls. */
const ownWhoopApp = (vars: Record<string, string> = {}) => ({ WHOOP_CLIENT_ID: `budget-test-${crypto.randomUUID()}`, ...vars });

describe("Oura 403 on data: a lapsed membership", () => {
  it("marks the connection membership_lapsed (visible in GET /v1/connections), dead-letters nothing, and resumes by itself", async () => {
    const user = await connectedUser("oura");
    const today = todayIn("UTC");
    const night = ouraNight({ day: addDays(today, -5) });
    await sim.oura.putSleep(user.vendorUserId, night);
    await query("UPDATE connections SET last_sync_at = now() - interval '10 days' WHERE id = $1", [user.connectionId]);
    await sim.oura.setMembershipActive(user.vendorUserId, false);

    const run = await runIngest([ouraMessage(ouraEvent(user.vendorUserId, night.id as string, "create"))]);
    expect(run.acked).toEqual(run.ids);
    expect(run.retried).toEqual([]);
    expect(await statusOf(user.connectionId)).toBe("membership_lapsed");
    expect(await query("SELECT 1 FROM dead_letters WHERE user_id = $1", [user.userId])).toEqual([]);
    expect(await sleepRows(user.userId)).toEqual([]);
    const listed = await SELF.fetch("http://hub.test/v1/connections", { headers: await bearer(user.subject) });
    expect(((await listed.json()) as { items: { vendor: string; status: string }[] }).items).toEqual([
      expect.objectContaining({ vendor: "oura", status: "membership_lapsed" }),
    ]);

    // The membership is renewed: the next reconciliation pulls every day since the last sync, not
    // only the usual three, and the connection is active again without the user doing anything.
    await sim.oura.setMembershipActive(user.vendorUserId, true);
    const queue = spyQueue();
    const { db, close } = testDb();
    try {
      await reconcileConnections(db, { ...testEnv, INGEST_QUEUE: queue } as unknown as Env, loadConfig(testEnv));
    } finally {
      await close();
    }
    const mine = queue.bodies.filter((body) => (body as { connection_id: string }).connection_id === user.connectionId);
    expect(mine).toEqual([expect.objectContaining({ start_date: addDays(today, -10), end_date: today })]);
    expect(addDays(today, -10) < addDays(today, -(RECONCILE_DAYS - 1))).toBe(true);
    const resumed = await runIngest(mine as Record<string, unknown>[]);
    expect(resumed.acked).toEqual(resumed.ids);
    expect(await statusOf(user.connectionId)).toBe("active");
    expect((await sleepRows(user.userId)).map((row) => row.date)).toEqual([night.day]);
  });

  it("a 401 still asks for a new consent (the grant is gone), unlike the membership 403", async () => {
    const user = await connectedUser("oura");
    const night = ouraNight();
    await sim.oura.putSleep(user.vendorUserId, night);
    await sim.oura.failNext(1, 401, undefined, user.vendorUserId);
    const run = await runIngest([ouraMessage(ouraEvent(user.vendorUserId, night.id as string, "create"))]);
    expect(run.acked).toEqual(run.ids);
    expect(await statusOf(user.connectionId)).toBe("needs_reconsent");
  });
});

describe("WHOOP rate limits", () => {
  it("a 429 is retried after X-RateLimit-Reset, and the app's other WHOOP calls wait for it in the queue", async () => {
    const app = ownWhoopApp();
    const user = await connectedUser("whoop");
    const sleep = whoopSleep(user.whoopUserId);
    await sim.whoop.putSleep(user.whoopUserId, sleep);
    const message = whoopMessage(whoopEvent(user.whoopUserId, sleep.id as string, "sleep.updated"));
    await sim.whoop.failNext(1, 429, 37, user.whoopUserId);

    const first = await runIngest([message], 1, app);
    expect(first.retried).toEqual([{ msgId: first.ids[0], delaySeconds: 37 }]);

    // Within the reset window no call goes out: the message waits in the queue, its retries untouched.
    const callsBefore = (await sim.whoop.requests()).length;
    const second = await runIngest([message], 2, app);
    expect(second.acked).toEqual(second.ids);
    expect(second.retried).toEqual([]);
    expect(second.requeued).toEqual([{ body: expect.objectContaining({ object_id: sleep.id, budget_refusals: 1 }), delaySeconds: expect.any(Number) }]);
    // The block's wait, plus a spread of up to a minute for a first refusal.
    expect(second.requeued[0]!.delaySeconds).toBeGreaterThan(30);
    expect(second.requeued[0]!.delaySeconds).toBeLessThanOrEqual(37 + BUDGET_SPREAD_SECONDS);
    expect((await sim.whoop.requests()).slice(callsBefore).filter((r) => r.path.includes(sleep.id as string))).toEqual([]);
  });

  it("a burst over the app-wide budget: calls within it go out, the rest are requeued until the window ends", async () => {
    // A day budget of 3 makes the window end predictable (UTC midnight) for the assertion.
    const app = ownWhoopApp({ WHOOP_CALLS_PER_DAY: "3" });
    const user = await connectedUser("whoop");
    const sleeps = Array.from({ length: 5 }, (_, i) =>
      whoopSleep(user.whoopUserId, { start: `2026-03-0${i + 1}T04:12:09.180Z`, end: `2026-03-0${i + 1}T11:41:37.622Z` }));
    for (const sleep of sleeps) await sim.whoop.putSleep(user.whoopUserId, sleep);
    const run = await runIngest(sleeps.map((sleep) => whoopMessage(whoopEvent(user.whoopUserId, sleep.id as string, "sleep.updated"))), 1, app);
    const untilMidnight = Math.ceil((Date.parse(`${addDays(todayIn("UTC"), 1)}T00:00:00Z`) - Date.now()) / 1000);

    expect(run.acked).toEqual(run.ids);
    expect(run.retried).toEqual([]);
    expect((await sleepRows(user.userId, "whoop")).map((row) => row.date)).toEqual(["2026-03-01", "2026-03-02", "2026-03-03"]);
    expect(run.requeued.map((r) => (r.body as { object_id: string }).object_id)).toEqual([sleeps[3]!.id, sleeps[4]!.id]);
    for (const { delaySeconds } of run.requeued) {
      expect(delaySeconds).toBeGreaterThanOrEqual(Math.min(43_200, untilMidnight - 5));
      expect(delaySeconds).toBeLessThanOrEqual(Math.min(43_200, untilMidnight + 5 + BUDGET_SPREAD_SECONDS));
    }

    // Refused again, a message's return is spread over twice the range.
    const again = await runIngest([run.requeued[0]!.body as IngestMessage], 1, app);
    expect(again.requeued).toEqual([{ body: expect.objectContaining({ budget_refusals: 2 }), delaySeconds: expect.any(Number) }]);
    expect(again.requeued[0]!.delaySeconds).toBeLessThanOrEqual(Math.min(43_200, untilMidnight + 5 + 2 * BUDGET_SPREAD_SECONDS));
  });
});

describe("the call budget", () => {
  it("grants up to the limit per window, starts over in the next window, and honours a 429 block", async () => {
    const key = `budget-unit-${crypto.randomUUID()}`;
    const limits = { perMinute: 2, perDay: 100 };
    const minute = Date.parse("2026-03-10T12:00:00Z");
    const { db, close } = testDb();
    try {
      expect(await reserveCall(db, key, limits, minute + 1_000)).toBeNull();
      expect(await reserveCall(db, key, limits, minute + 2_000)).toBeNull();
      expect(await reserveCall(db, key, limits, minute + 50_000)).toBe(10); // the minute ends in 10 s
      expect(await reserveCall(db, key, limits, minute + 61_000)).toBeNull();
      // A refused call is not counted: the day holds the three granted ones.
      expect(await query("SELECT window_name, used FROM vendor_call_budget WHERE budget_key = $1 ORDER BY window_name", [key])).toEqual([
        { window_name: "day", used: 3 },
        { window_name: "minute", used: 1 },
      ]);
      await blockCalls(db, key, minute + 180_000, minute + 62_000);
      expect(await reserveCall(db, key, limits, minute + 70_000)).toBe(110);
      expect(await reserveCall(db, key, limits, minute + 181_000)).toBeNull();
    } finally {
      await close();
    }
  });
});
