// Oura webhook → ingest queue → normalize consumer → rows, against the Oura simulator and Postgres.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { keyRing, openAccessToken } from "../../workers/connections/tokens";
import { loadConfig } from "../../workers/env";
import { connectedUser } from "./connected-user";
import { testEnv, waitFor } from "./helpers";
import {
  hrvRows, iso, ouraEvent, ouraMessage, ouraNapOf, ouraNight, query, runIngest, sessionRows, signedOuraRequest, sleepRows,
  type Doc,
} from "./ingest-helpers";
import { sim } from "./sim";

const expectedSleepRow = (doc: Record<string, unknown>) => ({
  date: doc.day,
  total_sleep_s: doc.total_sleep_duration,
  deep_s: doc.deep_sleep_duration,
  light_s: doc.light_sleep_duration,
  rem_s: doc.rem_sleep_duration,
  awake_s: doc.awake_time,
  efficiency_pct: doc.efficiency,
  latency_s: doc.latency,
  bedtime_start: iso(doc.bedtime_start),
  bedtime_end: iso(doc.bedtime_end),
  avg_hrv_ms: doc.average_hrv,
  lowest_hr_bpm: doc.lowest_heart_rate,
});

const normalized = (rows: Record<string, unknown>[]) =>
  rows.map((row) => ({ ...row, bedtime_start: iso(row.bedtime_start), bedtime_end: iso(row.bedtime_end) }));

describe("a signed Oura webhook", () => {
  it("ends in daily rows equal to the vendor's document (seconds as Oura gives them)", async () => {
    const user = await connectedUser("oura");
    const night = ouraNight();
    await sim.oura.putSleep(user.vendorUserId, night);
    const event = ouraEvent(user.vendorUserId, night.id as string, "create");
    const res = await SELF.fetch(await signedOuraRequest(event)());
    expect(res.status).toBe(200);

    const rows = await waitFor(async () => ((await sleepRows(user.userId)).length ? sleepRows(user.userId) : undefined));
    expect(normalized(rows)).toEqual([expectedSleepRow(night)]);
    expect(await hrvRows(user.userId)).toEqual([{ date: night.day, rmssd_ms: night.average_hrv, sdnn_ms: null, resting_hr_bpm: night.lowest_heart_rate }]);

    // The raw event is kept for audit and replay; the document and the sync time are recorded.
    const events = await query("SELECT body FROM webhook_events WHERE vendor = 'oura' AND vendor_user_id = $1", [user.vendorUserId]);
    expect(events).toEqual([{ body: event }]);
    const records = await query("SELECT document->>'day' AS day FROM vendor_records WHERE vendor = 'oura' AND object_id = $1", [night.id]);
    expect(records).toEqual([{ day: night.day }]);
    const [connection] = await query<{ last_sync_at: string | null }>("SELECT last_sync_at FROM connections WHERE id = $1", [user.connectionId]);
    expect(connection?.last_sync_at).not.toBeNull();
  });
});

describe("Oura sleep documents sharing a day", () => {
  it("keep the main long_sleep in the daily row when a nap arrives after it; the nap is a session only", async () => {
    const user = await connectedUser("oura");
    const night = ouraNight();
    const nap = ouraNapOf(night);
    await sim.oura.putSleep(user.vendorUserId, night);
    await sim.oura.putSleep(user.vendorUserId, nap);
    const run = await runIngest([
      ouraMessage(ouraEvent(user.vendorUserId, night.id as string, "create")),
      ouraMessage(ouraEvent(user.vendorUserId, nap.id as string, "create")),
    ]);
    expect(run.acked).toHaveLength(2);
    expect(normalized(await sleepRows(user.userId))).toEqual([expectedSleepRow(night)]);
    expect(await hrvRows(user.userId)).toEqual([{ date: night.day, rmssd_ms: night.average_hrv, sdnn_ms: null, resting_hr_bpm: night.lowest_heart_rate }]);
    const sessions = await sessionRows(user.userId);
    expect(sessions.map(({ id, is_main }) => ({ id, is_main }))).toEqual([
      { id: night.id, is_main: true },
      { id: nap.id, is_main: false },
    ]);
    // One insights message for the user, for the one affected date.
    expect(run.insights).toEqual([expect.objectContaining({ user_id: user.userId, dates: [night.day] })]);
  });

  it("pick the night when the nap came first, and delete: a nap alone, then the night with its daily rows", async () => {
    const user = await connectedUser("oura");
    const night = ouraNight();
    const nap = ouraNapOf(night);
    await sim.oura.putSleep(user.vendorUserId, nap);
    await runIngest([ouraMessage(ouraEvent(user.vendorUserId, nap.id as string, "create"))]);
    // Alone on its day, the `sleep` period is the day's (short) night until the long_sleep arrives.
    expect(normalized(await sleepRows(user.userId))).toEqual([expectedSleepRow(nap)]);
    expect(await sessionRows(user.userId)).toHaveLength(1);

    await sim.oura.putSleep(user.vendorUserId, night);
    await runIngest([ouraMessage(ouraEvent(user.vendorUserId, night.id as string, "create"))]);
    expect(normalized(await sleepRows(user.userId))).toEqual([expectedSleepRow(night)]);

    await sim.oura.deleteSleep(nap.id as string);
    await runIngest([ouraMessage(ouraEvent(user.vendorUserId, nap.id as string, "delete"))]);
    expect((await sessionRows(user.userId)).map((s) => s.id)).toEqual([night.id]);
    expect(normalized(await sleepRows(user.userId))).toEqual([expectedSleepRow(night)]);

    await sim.oura.deleteSleep(night.id as string);
    const run = await runIngest([ouraMessage(ouraEvent(user.vendorUserId, night.id as string, "delete"))]);
    expect(await sessionRows(user.userId)).toEqual([]);
    expect(await sleepRows(user.userId)).toEqual([]);
    expect(await hrvRows(user.userId)).toEqual([]);
    expect(await query("SELECT 1 FROM vendor_records WHERE object_id = $1", [night.id])).toEqual([]);
    expect(run.insights).toEqual([expect.objectContaining({ user_id: user.userId, dates: [night.day] })]);
  });

  it("treat an update for a document the vendor no longer has as its deletion", async () => {
    const user = await connectedUser("oura");
    const night = ouraNight();
    await sim.oura.putSleep(user.vendorUserId, night);
    await runIngest([ouraMessage(ouraEvent(user.vendorUserId, night.id as string, "create"))]);
    await sim.oura.deleteSleep(night.id as string);
    const run = await runIngest([ouraMessage(ouraEvent(user.vendorUserId, night.id as string, "update"))]);
    expect(run.acked).toEqual(run.ids);
    expect(await sleepRows(user.userId)).toEqual([]);
  });
});

describe("redelivery and ordering", () => {
  it("a redelivered event is answered 200 again and changes nothing (one fetch, one row)", async () => {
    const user = await connectedUser("oura");
    const night = ouraNight();
    await sim.oura.putSleep(user.vendorUserId, night);
    const event = ouraEvent(user.vendorUserId, night.id as string, "create");
    const signed = await signedOuraRequest(event)();
    const first = await SELF.fetch(signed.clone());
    const second = await SELF.fetch(signed);
    expect([first.status, second.status]).toEqual([200, 200]);
    await waitFor(async () => ((await sleepRows(user.userId)).length ? true : undefined));

    // The same delivery again straight through the consumer: acked, no vendor call, nothing new.
    const fetchesBefore = (await sim.oura.requests()).filter((r) => r.path.endsWith(`/${night.id}`)).length;
    const updatedBefore = await query("SELECT updated_at FROM sleep_daily WHERE user_id = $1", [user.userId]);
    const run = await runIngest([ouraMessage(event), ouraMessage(event)]);
    expect(run.acked).toEqual(run.ids);
    expect((await sim.oura.requests()).filter((r) => r.path.endsWith(`/${night.id}`)).length).toBe(fetchesBefore);
    expect(await query("SELECT updated_at FROM sleep_daily WHERE user_id = $1", [user.userId])).toEqual(updatedBefore);
    expect(normalized(await sleepRows(user.userId))).toEqual([expectedSleepRow(night)]);
    expect(await query("SELECT 1 FROM webhook_events WHERE vendor = 'oura' AND vendor_user_id = $1", [user.vendorUserId])).toHaveLength(1);
  });

  it("two updates processed out of order leave the vendor's latest state", async () => {
    const user = await connectedUser("oura");
    const v1 = ouraNight();
    await sim.oura.putSleep(user.vendorUserId, v1);
    const earlier = ouraEvent(user.vendorUserId, v1.id as string, "create", "2026-03-10T07:31:12+01:00");
    const later = ouraEvent(user.vendorUserId, v1.id as string, "update", "2026-03-10T09:02:40+01:00");
    // Oura re-scores the night: the later event announces the change...
    const v2: Doc = { ...v1, total_sleep_duration: 27_000, deep_sleep_duration: 6_000, average_hrv: 61, lowest_heart_rate: 47 };
    await sim.oura.putSleep(user.vendorUserId, v2);
    await runIngest([ouraMessage(later)]);
    // ...and the earlier event is delivered late.
    await runIngest([ouraMessage(earlier)]);
    expect(normalized(await sleepRows(user.userId))).toEqual([expectedSleepRow(v2)]);
    expect(await hrvRows(user.userId)).toEqual([{ date: v2.day, rmssd_ms: 61, sdnn_ms: null, resting_hr_bpm: 47 }]);
  });
});

describe("events the hub must not apply", () => {
  it("an unknown vendor user — never connected, or erased — stores nothing and is acked", async () => {
    const stranger = `oura-${crypto.randomUUID()}`;
    const res = await SELF.fetch(await signedOuraRequest(ouraEvent(stranger, crypto.randomUUID()))());
    expect(res.status).toBe(200);

    // A late webhook for an erased user must not bring their data back.
    const user = await connectedUser("oura");
    const night = ouraNight();
    await sim.oura.putSleep(user.vendorUserId, night);
    await query("DELETE FROM users WHERE id = $1", [user.userId]);
    const requestsBefore = (await sim.oura.requests()).length;
    const run = await runIngest([
      ouraMessage(ouraEvent(user.vendorUserId, night.id as string, "update")),
      ouraMessage(ouraEvent(stranger, crypto.randomUUID())),
    ]);
    expect(run.acked).toEqual(run.ids);
    expect(run.insights).toEqual([]);
    expect((await sim.oura.requests()).slice(requestsBefore).filter((r) => r.path.includes(night.id as string))).toEqual([]);
    expect(await query("SELECT 1 FROM webhook_events WHERE vendor_user_id = ANY($1)", [[user.vendorUserId, stranger]])).toEqual([]);
    expect(await query("SELECT 1 FROM vendor_records WHERE object_id = $1", [night.id])).toEqual([]);
    expect(await query("SELECT 1 FROM sleep_sessions WHERE vendor_object_id = $1", [night.id])).toEqual([]);
  });

  it("records an event of a data type the hub does not map, without fetching it", async () => {
    const user = await connectedUser("oura");
    const event = { ...ouraEvent(user.vendorUserId, crypto.randomUUID()), data_type: "daily_readiness" };
    const run = await runIngest([{ ...ouraMessage(event), object_type: "daily_readiness" }]);
    expect(run.acked).toEqual(run.ids);
    expect(await query("SELECT body->>'data_type' AS t FROM webhook_events WHERE vendor_user_id = $1", [user.vendorUserId])).toEqual([{ t: "daily_readiness" }]);
    expect(await sleepRows(user.userId)).toEqual([]);
  });
});

describe("vendor failures", () => {
  it("a 429 is retried after the vendor's Retry-After, and the retry stores the night (nothing lost)", async () => {
    const user = await connectedUser("oura");
    const night = ouraNight();
    await sim.oura.putSleep(user.vendorUserId, night);
    const message = ouraMessage(ouraEvent(user.vendorUserId, night.id as string, "create"));
    await sim.oura.failNext(1, 429, 7, user.vendorUserId);
    const first = await runIngest([message]);
    expect(first.retried).toEqual([{ msgId: first.ids[0], delaySeconds: 7 }]);
    expect(first.acked).toEqual([]);
    expect(await sleepRows(user.userId)).toEqual([]);
    expect(await query("SELECT 1 FROM webhook_events WHERE vendor_user_id = $1", [user.vendorUserId])).toEqual([]);

    const second = await runIngest([message], 2);
    expect(second.acked).toEqual(second.ids);
    expect(normalized(await sleepRows(user.userId))).toEqual([expectedSleepRow(night)]);
  });

  it("a document that fails validation (poison) ends in dead_letters with the reason", async () => {
    const user = await connectedUser("oura");
    const broken: Doc = { ...ouraNight(), bedtime_start: "yesterday evening" };
    await sim.oura.putSleep(user.vendorUserId, broken);
    const res = await SELF.fetch(await signedOuraRequest(ouraEvent(user.vendorUserId, broken.id as string, "create"))());
    expect(res.status).toBe(200);
    const letter = await waitFor(async () => {
      const rows = await query<{ queue: string; reason: string; user_id: string }>(
        "SELECT queue, reason, user_id FROM dead_letters WHERE body->>'object_id' = $1", [broken.id]);
      return rows[0];
    });
    expect(letter).toEqual({ queue: "hub-ingest", reason: expect.stringMatching(/invalid document at bedtime_start/), user_id: user.userId });
    expect(await sleepRows(user.userId)).toEqual([]);
  });

  it("a revoked grant (401) marks the connection needs_reconsent and dead-letters the event with that reason", async () => {
    const user = await connectedUser("oura");
    const night = ouraNight();
    await sim.oura.putSleep(user.vendorUserId, night);
    const [row] = await query<{ id: string; access_token_enc: string }>("SELECT id, access_token_enc FROM connections WHERE id = $1", [user.connectionId]);
    const accessToken = await openAccessToken(keyRing(loadConfig(testEnv)), { id: row!.id, accessTokenEnc: row!.access_token_enc });
    const revoked = await fetch(`${testEnv.OURA_REVOKE_URL}?access_token=${encodeURIComponent(accessToken)}`);
    expect(revoked.status).toBe(200);

    const run = await runIngest([ouraMessage(ouraEvent(user.vendorUserId, night.id as string, "create"))]);
    expect(run.acked).toEqual(run.ids);
    expect(await query("SELECT status FROM connections WHERE id = $1", [user.connectionId])).toEqual([{ status: "needs_reconsent" }]);
    expect(await query("SELECT reason FROM dead_letters WHERE message_id = $1", [run.ids[0]])).toEqual([
      { reason: expect.stringMatching(/^connection needs reconsent/) },
    ]);
    expect(await sleepRows(user.userId)).toEqual([]);
  });
});
