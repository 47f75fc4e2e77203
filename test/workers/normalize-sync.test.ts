// sync_range messages (the 30-day backfill on connect, scheduled reconciliation): paged vendor lists
// → documents, sessions and daily rows, one insights message per user.
import { describe, expect, it } from "vitest";
import type { SyncRangeMessage } from "../../workers/lib/messages";
import { addDays } from "../../workers/lib/calendar";
import { generateOuraHistory, generateWhoopHistory } from "../../scripts/sim/generate";
import { connectedUser } from "./connected-user";
import { hrvRows, query, runIngest, sessionRows, sleepRows } from "./ingest-helpers";
import { sim } from "./sim";

const END = "2026-11-10";
const START = addDays(END, -29);
const datesOfRange = Array.from({ length: 30 }, (_, i) => addDays(START, i));

function syncMessage(connectionId: string, start = START, end = END, reason: SyncRangeMessage["reason"] = "backfill"): SyncRangeMessage {
  return { kind: "sync_range", connection_id: connectionId, start_date: start, end_date: end, reason };
}

describe("a 30-day backfill", () => {
  it("from Oura pages through the sleep list (one day wider each side) and gives 30 daily rows", async () => {
    const user = await connectedUser("oura");
    const docs = generateOuraHistory({ vendorUserId: user.vendorUserId, days: 30, endDate: END, seed: user.vendorUserId, napProbability: 0.3 });
    for (const doc of docs) await sim.oura.putSleep(user.vendorUserId, doc);
    const requestsBefore = (await sim.oura.requests()).length;

    const run = await runIngest([syncMessage(user.connectionId)]);
    expect(run.acked).toEqual(run.ids);

    const sleep = await sleepRows(user.userId);
    expect(sleep.map((row) => row.date)).toEqual(datesOfRange);
    const mains = new Map(docs.filter((d) => d.type === "long_sleep").map((d) => [d.day, d]));
    for (const row of sleep) expect(row.total_sleep_s).toBe(mains.get(row.date as string)!.total_sleep_duration);
    expect((await hrvRows(user.userId)).map((row) => row.date)).toEqual(datesOfRange);
    // Naps are kept as sessions; exactly one main night a day.
    const sessions = await sessionRows(user.userId);
    expect(sessions).toHaveLength(docs.length);
    expect(sessions.filter((s) => s.is_main)).toHaveLength(30);

    const lists = (await sim.oura.requests()).slice(requestsBefore).filter((r) => r.path === "/v2/usercollection/sleep");
    expect(lists.length).toBeGreaterThan(1);
    expect(lists[0]!.query).toMatchObject({ start_date: addDays(START, -1), end_date: addDays(END, 1) });
    expect(lists.every((r) => r.status === 200)).toBe(true);

    // One recompute request for the user, naming every date.
    expect(run.insights).toHaveLength(1);
    expect(run.insights[0]).toMatchObject({ user_id: user.userId, dates: datesOfRange });
    const [connection] = await query<{ last_sync_at: string | null }>("SELECT last_sync_at FROM connections WHERE id = $1", [user.connectionId]);
    expect(connection?.last_sync_at).not.toBeNull();
  });

  it("from WHOOP lists sleeps and recoveries and gives 30 sleep rows and 30 HRV rows", async () => {
    const user = await connectedUser("whoop");
    const history = generateWhoopHistory({ vendorUserId: user.whoopUserId, days: 30, endDate: END, seed: user.vendorUserId, napProbability: 0.3 });
    for (const sleep of history.sleeps) await sim.whoop.putSleep(user.whoopUserId, sleep);
    for (const recovery of history.recoveries) await sim.whoop.putRecovery(user.whoopUserId, recovery);

    const run = await runIngest([syncMessage(user.connectionId)]);
    expect(run.acked).toEqual(run.ids);
    const sleep = await sleepRows(user.userId, "whoop");
    expect(sleep.map((row) => row.date)).toEqual(datesOfRange);
    const hrv = await hrvRows(user.userId, "whoop");
    expect(hrv.map((row) => row.date)).toEqual(datesOfRange);
    const bySleepId = new Map(history.recoveries.map((r) => [r.sleep_id, r]));
    const firstNight = history.sleeps.find((s) => !s.nap)!;
    expect(hrv[0]!.resting_hr_bpm).toBe(bySleepId.get(firstNight.id)!.score!.resting_heart_rate);
    expect(await sessionRows(user.userId, "whoop")).toHaveLength(history.sleeps.length);
    expect(run.insights).toEqual([expect.objectContaining({ user_id: user.userId, dates: datesOfRange })]);
  });
});

describe("a reconciliation sync", () => {
  it("picks up a night whose webhook was missed, and removes one deleted at the vendor without a webhook", async () => {
    const user = await connectedUser("oura");
    const docs = generateOuraHistory({ vendorUserId: user.vendorUserId, days: 3, endDate: END, seed: user.vendorUserId, napProbability: 0 });
    for (const doc of docs.slice(0, 2)) await sim.oura.putSleep(user.vendorUserId, doc);
    await runIngest([syncMessage(user.connectionId, addDays(END, -2), END)]);
    expect((await sleepRows(user.userId)).map((r) => r.date)).toEqual([addDays(END, -2), addDays(END, -1)]);

    // Since then: the last night arrived without a webhook, and the first was deleted without one.
    await sim.oura.putSleep(user.vendorUserId, docs[2]!);
    await sim.oura.deleteSleep(docs[0]!.id);
    const run = await runIngest([syncMessage(user.connectionId, addDays(END, -2), END, "reconcile")]);
    expect((await sleepRows(user.userId)).map((r) => r.date)).toEqual([addDays(END, -1), END]);
    expect((await sessionRows(user.userId)).map((s) => s.id)).toEqual([docs[1]!.id, docs[2]!.id]);
    expect(run.insights[0]?.dates).toEqual(expect.arrayContaining([addDays(END, -2), END]));
  });

  it("syncing the same range twice leaves the same rows", async () => {
    const user = await connectedUser("whoop");
    const history = generateWhoopHistory({ vendorUserId: user.whoopUserId, days: 5, endDate: END, seed: user.vendorUserId });
    for (const sleep of history.sleeps) await sim.whoop.putSleep(user.whoopUserId, sleep);
    for (const recovery of history.recoveries) await sim.whoop.putRecovery(user.whoopUserId, recovery);
    const range = syncMessage(user.connectionId, addDays(END, -4), END);
    await runIngest([range]);
    const first = { sleep: await sleepRows(user.userId, "whoop"), hrv: await hrvRows(user.userId, "whoop") };
    await runIngest([range]);
    expect({ sleep: await sleepRows(user.userId, "whoop"), hrv: await hrvRows(user.userId, "whoop") }).toEqual(first);
    expect(first.sleep).toHaveLength(5);
  });
});

describe("sync messages that cannot run", () => {
  it("a removed connection is acked with nothing done; a connection needing consent and a reversed range are dead-lettered", async () => {
    const waiting = await connectedUser("oura", { status: "needs_reconsent" });
    const healthy = await connectedUser("oura");
    const run = await runIngest([
      syncMessage(crypto.randomUUID()),
      syncMessage(waiting.connectionId),
      syncMessage(healthy.connectionId, END, START),
    ]);
    expect(run.acked).toEqual(run.ids);
    const letters = await query<{ message_id: string; reason: string; user_id: string | null }>(
      "SELECT message_id, reason, user_id FROM dead_letters WHERE message_id = ANY($1) ORDER BY reason", [run.ids]);
    expect(letters).toEqual([
      { message_id: run.ids[1], reason: expect.stringMatching(/^connection needs reconsent/), user_id: waiting.userId },
      { message_id: run.ids[2], reason: expect.stringMatching(/^invalid sync range/), user_id: null },
    ]);
    expect(run.insights).toEqual([]);
  });
});
