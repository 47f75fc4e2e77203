// Rescoring after an algorithm change (scripts/recompute-readiness.ts): every stored snapshot whose
// algorithm_version is not the current one is recomputed from the user's history. The snapshots
// themselves record the progress, so an interrupted run simply starts again and skips the done users.
import { ALGORITHM_VERSION } from "../readiness";
import { recomputeReadiness } from "./recompute";
import type { SqlClient } from "./readiness-store";

/** Dates rescored per recompute: one history read and one upsert of bounded size. */
const DATES_PER_CHUNK = 366;

/** Up to `limit` users, in id order after `afterId`, holding at least one snapshot of another version. */
export async function usersWithStaleSnapshots(client: SqlClient, afterId: string, limit: number): Promise<string[]> {
  const { rows } = await client.query<{ user_id: string }>(
    `SELECT DISTINCT user_id FROM readiness_snapshots
      WHERE algorithm_version <> $1 AND user_id > $2
      ORDER BY user_id LIMIT $3`,
    [ALGORITHM_VERSION, afterId, limit],
  );
  return rows.map((r) => r.user_id);
}

/** Rescores the user's stale snapshots; returns how many were written (0 when the user is gone). */
export async function rescoreUser(client: SqlClient, userId: string): Promise<number> {
  const { rows } = await client.query<{ date: string }>(
    `SELECT to_char(date, 'YYYY-MM-DD') AS date FROM readiness_snapshots
      WHERE user_id = $1 AND algorithm_version <> $2 ORDER BY date`,
    [userId, ALGORITHM_VERSION],
  );
  const dates = rows.map((r) => r.date);
  let written = 0;
  for (let i = 0; i < dates.length; i += DATES_PER_CHUNK) {
    const outcome = await recomputeReadiness(client, userId, dates.slice(i, i + DATES_PER_CHUNK), { followingDays: false });
    if (outcome.kind === "user_gone") return written;
    written += outcome.snapshots.length;
  }
  return written;
}
