// Rescoring after an algorithm change (scripts/recompute-readiness.ts): every stored snapshot whose
// algorithm_version is not the current one is recomputed from the user's history, with the same
// recompute the user's Durable Object runs. The snapshots themselves record the progress, so an
// interrupted run simply starts again and skips the done users.
import { recomputeReadiness } from "../../durable-objects/recompute";
import { staleSnapshotDates, type SqlClient } from "../readiness/snapshot-store";

/** Dates rescored per recompute: one history read and one upsert of bounded size. */
const DATES_PER_CHUNK = 366;

/** Rescores the user's stale snapshots; returns how many were written (0 when the user is gone). */
export async function rescoreUser(client: SqlClient, userId: string): Promise<number> {
  const dates = await staleSnapshotDates(client, userId);
  let written = 0;
  for (let i = 0; i < dates.length; i += DATES_PER_CHUNK) {
    const outcome = await recomputeReadiness(client, userId, dates.slice(i, i + DATES_PER_CHUNK), { followingDays: false });
    if (outcome.kind === "user_gone") return written;
    written += outcome.snapshots.length;
  }
  return written;
}
