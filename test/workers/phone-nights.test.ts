// Phone uploads through POST /v1/me/samples and PATCH /v1/me: HRV comes from the night's sleep window
// (daytime spot readings are stored but never feed it), each sample keeps the offset it was uploaded
// with, and a time-zone change re-dates the days of samples uploaded without one.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addDays, todayIn } from "../../workers/lib/calendar";
import { query } from "./ingest-helpers";

// Recent dates: a zone change re-dates the last 70 days (REDATE_DAYS).
const EVENING = addDays(todayIn("UTC"), -4);
const MORNING = addDays(EVENING, 1);
import { bearer } from "./sim";

async function upload(auth: Record<string, string>, samples: Record<string, unknown>[]) {
  const res = await SELF.fetch("http://hub.test/v1/me/samples", {
    method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ source: "apple_health", samples }),
  });
  expect(res.status).toBe(202);
}

async function setZone(auth: Record<string, string>, timezone: string) {
  const res = await SELF.fetch("http://hub.test/v1/me", {
    method: "PATCH", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ timezone }),
  });
  expect(res.status).toBe(200);
}

const nightRows = (subject: string) =>
  query<{ date: string; sdnn_ms: number | null }>(
    `SELECT to_char(h.date, 'YYYY-MM-DD') AS date, h.sdnn_ms FROM hrv_daily h JOIN users u ON u.id = h.user_id
      WHERE u.subject = $1 ORDER BY h.date`, [subject]);
const sleepDates = async (subject: string) =>
  (await query<{ date: string }>(`SELECT to_char(s.date, 'YYYY-MM-DD') AS date FROM sleep_daily s JOIN users u ON u.id = s.user_id
    WHERE u.subject = $1 ORDER BY s.date`, [subject])).map((row) => row.date);

/** A night 23:00–07:00 written with `offset`, SDNN 40 and 50 ms in it, and a 95 ms spot reading at 15:00. */
function nightWithSpotReading(offset: string) {
  const at = (day: string, time: string) => `${day}T${time}${offset}`;
  const reading = (time: string, day: string, value: number) => ({ uuid: crypto.randomUUID(), type: "hrv_sdnn", start: at(day, time), end: at(day, time), value, unit: "ms" });
  return [
    { uuid: crypto.randomUUID(), type: "sleep_stage", start: at(EVENING, "23:00:00"), end: at(MORNING, "07:00:00"), stage: "asleep_unspecified" },
    reading("01:00:00", MORNING, 40),
    reading("04:00:00", MORNING, 50),
    reading("15:00:00", MORNING, 95),
  ];
}

describe("phone nights", () => {
  it("take HRV from the sleep window only, and keep their date when the profile's zone changes (offsets uploaded)", async () => {
    const subject = `phone-${crypto.randomUUID()}`;
    const auth = await bearer(subject);
    await setZone(auth, "Europe/Berlin");
    await upload(auth, nightWithSpotReading("+02:00"));
    expect(await nightRows(subject)).toEqual([{ date: MORNING, sdnn_ms: 45 }]);
    expect(await query("SELECT count(*)::int AS n FROM phone_samples p JOIN users u ON u.id = p.user_id WHERE u.subject = $1", [subject])).toEqual([{ n: 4 }]);

    await setZone(auth, "America/Los_Angeles");
    expect(await nightRows(subject)).toEqual([{ date: MORNING, sdnn_ms: 45 }]);
    expect(await sleepDates(subject)).toEqual([MORNING]);
  });

  it("uploaded in UTC (\"Z\"), are dated in the profile's zone and re-dated when it changes", async () => {
    const subject = `phone-${crypto.randomUUID()}`;
    const auth = await bearer(subject);
    await setZone(auth, "Europe/Berlin");
    // The same night as 21:00Z–05:00Z: it ends the next morning in Berlin.
    const utc = nightWithSpotReading("Z").map((s) => ({
      ...s,
      start: new Date(Date.parse(s.start) - 2 * 3600_000).toISOString(),
      end: new Date(Date.parse(s.end) - 2 * 3600_000).toISOString(),
    }));
    await upload(auth, utc);
    expect(await sleepDates(subject)).toEqual([MORNING]);
    expect(await nightRows(subject)).toEqual([{ date: MORNING, sdnn_ms: 45 }]);

    // In Los Angeles that night ended at 22:00 the evening before: the rows move, none is left behind.
    await setZone(auth, "America/Los_Angeles");
    expect(await sleepDates(subject)).toEqual([EVENING]);
    expect(await nightRows(subject)).toEqual([{ date: EVENING, sdnn_ms: 45 }]);
  });
});
