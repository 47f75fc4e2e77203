// Rescoring after an algorithm change (the core of scripts/recompute-readiness.ts), on the real Postgres.
import { describe, expect, it } from "vitest";
import { addDays } from "../../workers/lib/calendar";
import { rescoreUser } from "../../workers/insights/rescore";
import { usersWithStaleSnapshots } from "../../workers/readiness/snapshot-store";
import { ALGORITHM_VERSION, computeReadinessSeries } from "../../workers/readiness";
import { testDb } from "./helpers";
import { asModelInput, newUser, sql, steadyNights, storedSnapshots, utcToday, writeNights } from "./readiness-fixtures";

const OLD_VERSION = "readiness-0.9.0";

async function storeOldSnapshots(userId: string, dates: string[]): Promise<void> {
  for (const date of dates) {
    await sql(
      `INSERT INTO readiness_snapshots (user_id, date, score, level, confidence, components, baseline, algorithm_version, computed_at)
       VALUES ($1, $2, 12, 'low', 0.1, '{}', '{}', $3, '2026-01-01T00:00:00Z')`,
      [userId, date, OLD_VERSION],
    );
  }
}

describe("rescoring stale snapshots", () => {
  it("rescores exactly the snapshots of older versions with the current model, and then skips the user", async () => {
    const user = await newUser();
    const today = utcToday();
    const nights = steadyNights(today, 80);
    await writeNights(user.id, nights);
    const staleDates = [addDays(today, -40), addDays(today, -20), addDays(today, -1)];
    await storeOldSnapshots(user.id, staleDates);

    const { pool, close } = testDb();
    try {
      // Users in id order: the cursor just before this user finds it first.
      const before = await usersWithStaleSnapshots(pool, "00000000-0000-0000-0000-000000000000", 10_000);
      expect(before).toContain(user.id);
      expect([...before].sort()).toEqual(before);

      expect(await rescoreUser(pool, user.id)).toBe(3);
      const stored = await storedSnapshots(user.id);
      expect(stored.map((s) => s.date)).toEqual(staleDates);
      const expected = computeReadinessSeries(asModelInput(nights), staleDates);
      stored.forEach((snapshot, i) => {
        expect(snapshot.algorithm_version).toBe(ALGORITHM_VERSION);
        expect(snapshot.score).toBe(expected[i]!.score);
        expect(snapshot.components).toEqual(expected[i]!.components);
      });

      // The weekly trends of the rescored weeks now come from the current model's snapshots.
      const { rows: weeks } = await pool.query<{ algorithm_version: string }>(
        "SELECT algorithm_version FROM trends_weekly WHERE user_id = $1 AND week_start <= $2 AND week_start + 6 >= $3",
        [user.id, staleDates[0], staleDates[0]]);
      expect(weeks.map((w) => w.algorithm_version)).toEqual([ALGORITHM_VERSION]);

      // Done users are skipped: a second run finds nothing to do for them.
      expect(await usersWithStaleSnapshots(pool, "00000000-0000-0000-0000-000000000000", 10_000)).not.toContain(user.id);
      expect(await rescoreUser(pool, user.id)).toBe(0);
    } finally {
      await close();
    }
  });

  it("leaves snapshots computed from newer data alone", async () => {
    const user = await newUser();
    const date = addDays(utcToday(), -1);
    await writeNights(user.id, steadyNights(date, 30));
    await storeOldSnapshots(user.id, [date]);
    // A snapshot "computed" in the future stands for a newer read racing the rescoring.
    await sql("UPDATE readiness_snapshots SET computed_at = now() + interval '1 hour' WHERE user_id = $1", [user.id]);
    const { pool, close } = testDb();
    try {
      await rescoreUser(pool, user.id);
    } finally {
      await close();
    }
    expect((await storedSnapshots(user.id))[0]).toMatchObject({ algorithm_version: OLD_VERSION, score: 12 });
  });
});
