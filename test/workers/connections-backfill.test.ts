// End to end: connecting an account with a month of history at the vendor fills the hub with that
// month, through the real queue and the normalize consumer.
import { describe, expect, it } from "vitest";
import { addDays, generateOuraHistory, generateWhoopHistory } from "../../scripts/sim/generate";
import { testDb, waitFor } from "./helpers";
import { sim } from "./sim";
import { connectThroughHub } from "./connected-user";

const DAYS = 30;

async function datesOf(table: "sleep_daily" | "hrv_daily", userId: string, source: string): Promise<string[]> {
  const { pool, close } = testDb();
  try {
    const { rows } = await pool.query(`SELECT date::text AS date FROM ${table} WHERE user_id = $1 AND source = $2 ORDER BY date`, [userId, source]);
    return rows.map((r) => r.date as string);
  } finally {
    await close();
  }
}

/** Waits until the table holds `count` days for the user (the backfill runs in the background). */
function daysStored(table: "sleep_daily" | "hrv_daily", userId: string, source: string, count: number): Promise<string[]> {
  return waitFor(async () => {
    const dates = await datesOf(table, userId, source);
    return dates.length >= count ? dates : undefined;
  }, 20_000);
}

describe("30-day backfill on connect", () => {
  it("fills the last 30 days of an Oura account's nights", async () => {
    const today = new Date().toISOString().slice(0, 10); // the user's time zone defaults to UTC
    const expected = Array.from({ length: DAYS }, (_, i) => addDays(today, i - (DAYS - 1)));
    const user = await connectThroughHub("oura", {
      beforeConnect: async (vendorUserId) => {
        const documents = generateOuraHistory({ vendorUserId, days: DAYS, endDate: today, seed: vendorUserId, napProbability: 0 });
        for (const document of documents) await sim.oura.putSleep(vendorUserId, document);
      },
    });
    expect(await daysStored("sleep_daily", user.userId, "oura", DAYS)).toEqual(expected);
    expect(await daysStored("hrv_daily", user.userId, "oura", DAYS)).toEqual(expected);
  });

  it("fills the last 30 days of a WHOOP account's sleeps and recoveries", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const expected = Array.from({ length: DAYS }, (_, i) => addDays(today, i - (DAYS - 1)));
    const user = await connectThroughHub("whoop", {
      beforeConnect: async (vendorUserId) => {
        // UTC wearer: WHOOP's dates (end shifted by its offset) then match the hub user's calendar.
        const history = generateWhoopHistory({
          vendorUserId: Number(vendorUserId), days: DAYS, endDate: today, seed: vendorUserId, utcOffset: "+00:00", napProbability: 0,
        });
        for (const sleep of history.sleeps) await sim.whoop.putSleep(Number(vendorUserId), sleep);
        for (const recovery of history.recoveries) await sim.whoop.putRecovery(Number(vendorUserId), recovery);
      },
    });
    expect(await daysStored("sleep_daily", user.userId, "whoop", DAYS)).toEqual(expected);
    expect(await daysStored("hrv_daily", user.userId, "whoop", DAYS)).toEqual(expected);
  });
});
