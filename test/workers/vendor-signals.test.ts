// Vendor scores mapped beside the nights: Oura's readiness score and temperature deviation (from the
// night's document), WHOOP's recovery score, SpO2, skin temperature and calibration (from its
// recovery). Read by GET /v1/me/signals, in the export, gone after erasure, described in /openapi.json.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import ouraLongSleep from "../fixtures/oura/sleep-long-sleep.json";
import whoopRecovery from "../fixtures/whoop/recovery.json";
import { connectedUser } from "./connected-user";
import { ouraEvent, ouraMessage, ouraNight, query, runIngest, whoopEvent, whoopMessage, whoopRecoveryOf, whoopSleep } from "./ingest-helpers";
import { bearer, sim } from "./sim";

type Signal = Record<string, unknown>;

async function signalsOf(subject: string): Promise<Signal[]> {
  const res = await SELF.fetch("http://hub.test/v1/me/signals?from=2026-03-01&to=2026-03-31", { headers: await bearer(subject) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Signal[] }).items;
}

describe("mapped vendor signals", () => {
  it("Oura's readiness and WHOOP's recovery scores are stored per day, read, exported and erased", async () => {
    const oura = await connectedUser("oura");
    const night = ouraNight();
    await sim.oura.putSleep(oura.vendorUserId, night);
    await runIngest([ouraMessage(ouraEvent(oura.vendorUserId, night.id as string, "create"))]);
    expect(await signalsOf(oura.subject)).toEqual([{
      date: "2026-03-10", source: "oura", readiness_score: ouraLongSleep.readiness.score,
      temperature_deviation_c: ouraLongSleep.readiness.temperature_deviation,
      recovery_score: null, spo2_pct: null, skin_temp_c: null, user_calibrating: null,
      sleep_score: null, sleep_score_contributors: null, strain: null, cycle_calories_kcal: null, cycle_avg_hr_bpm: null, cycle_max_hr_bpm: null,
    }]);

    const whoop = await connectedUser("whoop");
    const sleep = whoopSleep(whoop.whoopUserId);
    await sim.whoop.putSleep(whoop.whoopUserId, sleep);
    await sim.whoop.putRecovery(whoop.whoopUserId, whoopRecoveryOf(sleep));
    await runIngest([whoopMessage(whoopEvent(whoop.whoopUserId, sleep.id as string, "recovery.updated"))]);
    const [signal] = await signalsOf(whoop.subject);
    expect(signal).toMatchObject({
      date: "2026-03-10", source: "whoop", readiness_score: null, temperature_deviation_c: null,
      recovery_score: whoopRecovery.score.recovery_score, user_calibrating: false,
    });
    expect(signal!.spo2_pct).toBeCloseTo(whoopRecovery.score.spo2_percentage, 3);
    expect(signal!.skin_temp_c).toBeCloseTo(whoopRecovery.score.skin_temp_celsius, 3);

    const exported = (await (await SELF.fetch("http://hub.test/v1/me/export", { headers: await bearer(whoop.subject) })).json()) as { signals: Signal[] };
    expect(exported.signals).toEqual([expect.objectContaining({ date: "2026-03-10", source: "whoop", recovery_score: whoopRecovery.score.recovery_score })]);

    const erased = await SELF.fetch("http://hub.test/v1/me", { method: "DELETE", headers: await bearer(whoop.subject) });
    expect(erased.status).toBe(202);
    expect(await query("SELECT 1 FROM daily_signals WHERE user_id = $1", [whoop.userId])).toEqual([]);
  });

  it("a deleted night takes its day's signals with it", async () => {
    const oura = await connectedUser("oura");
    const night = ouraNight();
    await sim.oura.putSleep(oura.vendorUserId, night);
    await runIngest([ouraMessage(ouraEvent(oura.vendorUserId, night.id as string, "create"))]);
    await sim.oura.deleteSleep(night.id as string);
    await runIngest([ouraMessage(ouraEvent(oura.vendorUserId, night.id as string, "delete"))]);
    expect(await signalsOf(oura.subject)).toEqual([]);
  });

  it("are described in /openapi.json", async () => {
    const doc = (await (await SELF.fetch("http://hub.test/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(doc.paths["/v1/me/signals"]?.get).toBeDefined();
    expect(Object.keys(doc.components.schemas.SignalDay!.properties).sort()).toEqual([
      "cycle_avg_hr_bpm", "cycle_calories_kcal", "cycle_max_hr_bpm", "date", "readiness_score", "recovery_score", "skin_temp_c",
      "sleep_score", "sleep_score_contributors", "source", "spo2_pct", "strain", "temperature_deviation_c", "user_calibrating",
    ]);
    expect(doc.components.schemas.SleepDay!.properties).toHaveProperty("short_night");
  });
});
