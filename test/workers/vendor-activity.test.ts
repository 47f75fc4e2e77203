// Vendor activity beside the nights (issue 12): Oura `daily_sleep` scores and workouts, WHOOP cycles
// (day strain) and workouts. Each arrives the way the vendor sends it (signed webhook → queue →
// consumer fetching from the simulator), lands in daily_signals or workouts, is read through
// GET /v1/me/signals and GET /v1/me/workouts, and goes when the vendor deletes it.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addDays, generateOuraActivity, generateOuraHistory, generateWhoopActivity, generateWhoopHistory } from "../../scripts/sim/generate";
import ouraDailySleep from "../fixtures/oura/daily-sleep.json";
import ouraDailySleepEmpty from "../fixtures/oura/daily-sleep-no-contributors.json";
import ouraWorkoutCreated from "../fixtures/oura/webhook-workout-create.json";
import ouraDailySleepUpdated from "../fixtures/oura/webhook-daily-sleep-update.json";
import ouraLongSleep from "../fixtures/oura/sleep-long-sleep.json";
import ouraWorkout from "../fixtures/oura/workout.json";
import whoopCycle from "../fixtures/whoop/cycle.json";
import whoopCycleOpen from "../fixtures/whoop/cycle-open.json";
import whoopWorkoutDeleted from "../fixtures/whoop/webhook-workout-deleted.json";
import whoopWorkoutUpdated from "../fixtures/whoop/webhook-workout-updated.json";
import whoopWorkout from "../fixtures/whoop/workout.json";
import type { IngestMessage } from "../../workers/lib/messages";
import { connectedUser, type ConnectedUser } from "./connected-user";
import {
  fetchWithQueue, ouraEvent, ouraNight, query, runIngest, signedOuraRequest, signedWhoopRequest, spyQueue, whoopEvent, whoopRecoveryOf, whoopSleep,
} from "./ingest-helpers";
import { bearer, sim } from "./sim";

type Row = Record<string, unknown>;

/** Sends the body through the hub's webhook route as the vendor signs it, then runs what it queued. */
async function deliver(vendor: "oura" | "whoop", body: Row) {
  const queue = spyQueue();
  const request = await (vendor === "oura" ? signedOuraRequest(body) : signedWhoopRequest(body))();
  const res = await fetchWithQueue(request, queue);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return runIngest(queue.bodies as IngestMessage[]);
}

async function read(user: ConnectedUser, path: string): Promise<Row[]> {
  const res = await SELF.fetch(`http://hub.test${path}`, { headers: await bearer(user.subject) });
  expect(res.status, path).toBe(200);
  return ((await res.json()) as { items: Row[] }).items;
}

const signals = (user: ConnectedUser) => read(user, "/v1/me/signals?from=2026-03-01&to=2026-03-31");
const workouts = (user: ConnectedUser) => read(user, "/v1/me/workouts?from=2026-03-01&to=2026-03-31");
const fresh = <T extends Row>(doc: T, overrides: Row = {}): T => ({ ...structuredClone(doc), id: crypto.randomUUID(), ...overrides });

describe("Oura daily_sleep", () => {
  it("maps the day's sleep score and contributors beside the night's readiness; each deletion takes only its own part", async () => {
    const user = await connectedUser("oura");
    const night = ouraNight();
    const score = fresh(ouraDailySleep);
    await sim.oura.putSleep(user.vendorUserId, night);
    await sim.oura.putDocument("daily_sleep", user.vendorUserId, score);
    await deliver("oura", ouraEvent(user.vendorUserId, night.id as string, "create"));
    const run = await deliver("oura", { ...ouraDailySleepUpdated, object_id: score.id, user_id: user.vendorUserId });
    expect(run.acked).toEqual(run.ids);

    const [day] = await signals(user);
    expect(day).toMatchObject({
      date: "2026-03-10", source: "oura", readiness_score: ouraLongSleep.readiness.score, sleep_score: ouraDailySleep.score,
      sleep_score_contributors: ouraDailySleep.contributors, strain: null,
    });

    // The night goes: its readiness goes with it, the sleep score stays.
    await sim.oura.deleteSleep(night.id as string);
    await deliver("oura", ouraEvent(user.vendorUserId, night.id as string, "delete"));
    expect(await signals(user)).toEqual([expect.objectContaining({ date: "2026-03-10", readiness_score: null, temperature_deviation_c: null, sleep_score: ouraDailySleep.score })]);

    // Then the score goes (Oura answers 404 by now): nothing is left of the day.
    await sim.oura.deleteDocument("daily_sleep", score.id);
    await deliver("oura", { ...ouraDailySleepUpdated, event_type: "delete", object_id: score.id, user_id: user.vendorUserId });
    expect(await signals(user)).toEqual([]);
    expect(await query("SELECT 1 FROM vendor_records WHERE object_id = $1", [score.id])).toEqual([]);
  });

  it("a day Oura could not score keeps its row, with a null score and null contributors", async () => {
    const user = await connectedUser("oura");
    const score = fresh(ouraDailySleepEmpty);
    await sim.oura.putDocument("daily_sleep", user.vendorUserId, score);
    await deliver("oura", { ...ouraDailySleepUpdated, object_id: score.id, user_id: user.vendorUserId });
    expect(await signals(user)).toEqual([expect.objectContaining({
      date: "2026-03-11", sleep_score: null, sleep_score_contributors: ouraDailySleepEmpty.contributors,
    })]);
  });
});

describe("Oura workouts", () => {
  it("webhook → workout row (read and audited), redelivery replaces it, deletion removes it", async () => {
    const user = await connectedUser("oura");
    const workout = fresh(ouraWorkout);
    await sim.oura.putDocument("workout", user.vendorUserId, workout);
    const created = { ...ouraWorkoutCreated, object_id: workout.id, user_id: user.vendorUserId };
    await deliver("oura", created);
    const expected = {
      id: workout.id, date: "2026-03-10", source: "oura", activity: "running",
      start: "2026-03-10T17:02:00.000Z", end: "2026-03-10T17:49:30.000Z", distance_m: 8421.6, intensity: "moderate",
      recorded_by: "confirmed", label: null, strain: null, avg_hr_bpm: null, max_hr_bpm: null, hr_zone_durations_s: null, score_state: null,
    };
    const [row] = await workouts(user);
    expect(row).toMatchObject(expected);
    expect(row!.calories_kcal).toBeCloseTo(512.348, 2);

    // The user labels it in the app: Oura sends an update and the row is replaced, not doubled.
    await sim.oura.putDocument("workout", user.vendorUserId, { ...workout, label: "tempo run" });
    await deliver("oura", { ...created, event_type: "update", event_time: new Date().toISOString() });
    expect(await workouts(user)).toEqual([expect.objectContaining({ ...expected, label: "tempo run" })]);

    const reads = await query("SELECT 1 FROM audit_log a JOIN users u ON a.subject_ref = u.audit_ref WHERE u.id = $1 AND a.action = 'read' AND a.resource = 'workouts'", [user.userId]);
    expect(reads).toHaveLength(2);

    await sim.oura.deleteDocument("workout", workout.id);
    await deliver("oura", { ...created, event_type: "delete", event_time: new Date().toISOString() });
    expect(await workouts(user)).toEqual([]);
    expect(await query("SELECT 1 FROM vendor_records WHERE object_id = $1", [workout.id])).toEqual([]);
  });
});

describe("WHOOP cycles", () => {
  it("a recovery event also reads its cycle: the day's strain, energy (kcal) and heart rate beside the recovery", async () => {
    const user = await connectedUser("whoop");
    const sleep = whoopSleep(user.whoopUserId);
    await sim.whoop.putSleep(user.whoopUserId, sleep);
    await sim.whoop.putRecovery(user.whoopUserId, whoopRecoveryOf(sleep));
    await sim.whoop.putCycle(user.whoopUserId, { ...structuredClone(whoopCycle), id: sleep.cycle_id });
    await deliver("whoop", whoopEvent(user.whoopUserId, sleep.id as string, "recovery.updated"));

    const [day] = await signals(user);
    // The cycle starts at 23:12 on the 9th (-05:00): from 6 pm on, a cycle is the next day's, like its night.
    expect(day).toMatchObject({ date: "2026-03-10", source: "whoop", recovery_score: 68, cycle_avg_hr_bpm: 67, cycle_max_hr_bpm: 171 });
    expect(day!.strain).toBeCloseTo(13.4218, 3);
    expect(day!.cycle_calories_kcal).toBeCloseTo(11548.912 / 4.184, 0);
  });

  it("an open cycle not yet scored gives no strain, and the reconciliation's list brings it once it is", async () => {
    const user = await connectedUser("whoop");
    const sleep = whoopSleep(user.whoopUserId, { start: "2026-03-11T04:31:55.412Z", end: "2026-03-11T11:20:02.019Z" });
    const cycle = { ...structuredClone(whoopCycleOpen), id: sleep.cycle_id };
    await sim.whoop.putSleep(user.whoopUserId, sleep);
    await sim.whoop.putRecovery(user.whoopUserId, whoopRecoveryOf(sleep));
    await sim.whoop.putCycle(user.whoopUserId, cycle);
    await deliver("whoop", whoopEvent(user.whoopUserId, sleep.id as string, "recovery.updated"));
    expect(await signals(user)).toEqual([expect.objectContaining({ date: "2026-03-11", recovery_score: 68, strain: null })]);

    await sim.whoop.putCycle(user.whoopUserId, { ...cycle, score_state: "SCORED", score: { strain: 9.5, kilojoule: 8368, average_heart_rate: 61, max_heart_rate: 150 } });
    const run = await runIngest([{ kind: "sync_range", connection_id: user.connectionId, start_date: "2026-03-10", end_date: "2026-03-12", reason: "reconcile" }]);
    expect(run.acked).toEqual(run.ids);
    expect(await signals(user)).toEqual([expect.objectContaining({ date: "2026-03-11", recovery_score: 68, strain: 9.5, cycle_calories_kcal: 2000 })]);
  });
});

describe("WHOOP workouts", () => {
  const whoopWorkoutOf = (user: ConnectedUser) => fresh(whoopWorkout, { user_id: user.whoopUserId });

  it("workout.updated → row with strain, heart rate, energy in kcal and zone seconds; workout.deleted removes it", async () => {
    const user = await connectedUser("whoop");
    const workout = whoopWorkoutOf(user);
    await sim.whoop.putWorkout(user.whoopUserId, workout);
    const run = await deliver("whoop", { ...whoopWorkoutUpdated, id: workout.id, user_id: user.whoopUserId });
    expect(run.acked).toEqual(run.ids);
    expect(run.insights).toEqual([]); // workouts do not feed readiness
    const [row] = await workouts(user);
    expect(row).toMatchObject({
      id: workout.id, date: "2026-03-10", source: "whoop", activity: "running",
      start: "2026-03-10T22:02:18.093Z", end: "2026-03-10T22:58:41.720Z", avg_hr_bpm: 152, max_hr_bpm: 181,
      hr_zone_durations_s: [41, 298, 802, 1452, 701, 89], score_state: "SCORED", intensity: null, recorded_by: null,
    });
    expect(row!.strain).toBeCloseTo(12.8163, 3);
    expect(row!.calories_kcal).toBeCloseTo(600.2, 1);
    expect(row!.distance_m).toBeCloseTo(9214.57, 1);

    // workout.deleted: removed without asking WHOOP (it may still list it for a while).
    await deliver("whoop", { ...whoopWorkoutDeleted, id: workout.id, user_id: user.whoopUserId });
    expect(await workouts(user)).toEqual([]);
  });

  it("a grant without read:workout is not asked for workouts, and the connection stays active", async () => {
    const user = await connectedUser("whoop");
    await query("UPDATE connections SET scopes = 'read:recovery read:cycles read:sleep read:profile offline' WHERE id = $1", [user.connectionId]);
    const workout = whoopWorkoutOf(user);
    await sim.whoop.putWorkout(user.whoopUserId, workout);
    const run = await deliver("whoop", { ...whoopWorkoutUpdated, id: workout.id, user_id: user.whoopUserId });
    expect(run.acked).toEqual(run.ids);
    expect((await sim.whoop.requests()).filter((r) => r.path.includes(workout.id))).toEqual([]);
    expect(await workouts(user)).toEqual([]);
    expect(await query("SELECT status FROM connections WHERE id = $1", [user.connectionId])).toEqual([{ status: "active" }]);
  });
});

describe("a 30-day backfill", () => {
  const END = "2026-03-30";
  const START = addDays(END, -29);
  const sync = (user: ConnectedUser) => runIngest([{ kind: "sync_range", connection_id: user.connectionId, start_date: START, end_date: END, reason: "backfill" }]);

  it("from Oura brings every day's sleep score and every workout of the range", async () => {
    const user = await connectedUser("oura");
    const nights = generateOuraHistory({ vendorUserId: user.vendorUserId, days: 30, endDate: END, seed: user.vendorUserId });
    const activity = generateOuraActivity(user.vendorUserId, nights, { seed: user.vendorUserId });
    for (const doc of nights) await sim.oura.putSleep(user.vendorUserId, doc);
    for (const doc of activity.dailySleep) await sim.oura.putDocument("daily_sleep", user.vendorUserId, doc);
    for (const doc of activity.workouts) await sim.oura.putDocument("workout", user.vendorUserId, doc);
    expect((await sync(user)).acked).toHaveLength(1);

    const byDate = new Map((await signals(user)).map((row) => [row.date, row]));
    const scored = activity.dailySleep.filter((doc) => doc.day >= "2026-03-01");
    for (const doc of scored) expect(byDate.get(doc.day), doc.day).toMatchObject({ sleep_score: doc.score, sleep_score_contributors: doc.contributors });
    const expected = activity.workouts.filter((w) => w.day >= START && w.day <= END).map((w) => w.id).sort();
    expect(expected.length).toBeGreaterThan(5);
    expect((await read(user, `/v1/me/workouts?from=${START}&to=${END}`)).map((w) => w.id).sort()).toEqual(expected);
  });

  it("from WHOOP brings each night's cycle strain on the recovery's date, and the range's workouts", async () => {
    const user = await connectedUser("whoop");
    const history = generateWhoopHistory({ vendorUserId: user.whoopUserId, days: 30, endDate: END, seed: user.vendorUserId });
    const activity = generateWhoopActivity(user.whoopUserId, history, { seed: user.vendorUserId });
    for (const sleep of history.sleeps) await sim.whoop.putSleep(user.whoopUserId, sleep);
    for (const recovery of history.recoveries) await sim.whoop.putRecovery(user.whoopUserId, recovery);
    for (const cycle of activity.cycles) await sim.whoop.putCycle(user.whoopUserId, cycle);
    for (const workout of activity.workouts) await sim.whoop.putWorkout(user.whoopUserId, workout);
    expect((await sync(user)).acked).toHaveLength(1);

    const rows = (await read(user, `/v1/me/signals?from=${START}&to=${END}`)).filter((row) => row.source === "whoop");
    expect(rows).toHaveLength(30);
    const strainByCycle = new Map(activity.cycles.map((cycle) => [cycle.id, cycle.score!.strain]));
    const cycleOfDate = new Map(history.sleeps.filter((s) => !s.nap).map((s) => [new Date(Date.parse(s.end) - 5 * 3600_000).toISOString().slice(0, 10), s.cycle_id]));
    for (const row of rows) {
      expect(row.recovery_score, String(row.date)).not.toBeNull();
      expect(row.strain as number).toBeCloseTo(strainByCycle.get(cycleOfDate.get(row.date as string)!)!, 3);
    }
    const listed = await read(user, `/v1/me/workouts?from=${START}&to=${END}`);
    expect(listed.length).toBeGreaterThan(5);
    expect(listed.every((w) => w.source === "whoop" && w.score_state === "SCORED" && (w.hr_zone_durations_s as number[]).length === 6)).toBe(true);
  });
});

describe("GET /v1/me/workouts", () => {
  it("refuses a reversed or over-long range and an unauthenticated call, with the error envelope", async () => {
    const user = await connectedUser("oura");
    const auth = await bearer(user.subject);
    for (const q of ["from=2026-03-10&to=2026-03-01", "from=2025-01-01&to=2026-03-01", "from=2026-02-30"]) {
      const res = await SELF.fetch(`http://hub.test/v1/me/workouts?${q}`, { headers: auth });
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    }
    expect((await SELF.fetch("http://hub.test/v1/me/workouts")).status).toBe(401);
  });

  it("is described in /openapi.json, as are the new signal fields", async () => {
    const doc = (await (await SELF.fetch("http://hub.test/openapi.json")).json()) as {
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(doc.paths["/v1/me/workouts"]?.get?.parameters?.map((p) => p.name).sort()).toEqual(["from", "to"]);
    expect(Object.keys(doc.components.schemas.Workout!.properties).sort()).toEqual([
      "activity", "avg_hr_bpm", "calories_kcal", "date", "distance_m", "end", "hr_zone_durations_s", "id", "intensity", "label",
      "max_hr_bpm", "recorded_by", "score_state", "source", "start", "strain",
    ]);
    expect(doc.components.schemas.SignalDay!.properties).toEqual(expect.objectContaining({
      sleep_score: expect.anything(), sleep_score_contributors: expect.anything(), strain: expect.anything(),
      cycle_calories_kcal: expect.anything(), cycle_avg_hr_bpm: expect.anything(), cycle_max_hr_bpm: expect.anything(),
    }));
  });
});
