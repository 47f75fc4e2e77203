// The readiness snapshot store: readiness_snapshots in Postgres, in the API's item shape (CONTRACT §4).
// The one place that reads and writes the table for the API (read one, read a range), the Durable
// Object's recompute (upsert) and the rescore after an algorithm change (stale snapshots). The model
// beside it (the rest of workers/readiness/) stays pure: this module is the model's only I/O.
//
// Reads go through drizzle's builder on `readinessSnapshots`. Writes and the rescore's queries take a
// plain `Pool.query` client, so that the Durable Object and the Node rescore script
// (scripts/recompute-readiness.ts) run exactly the same SQL; the upsert stays one statement with one
// JSON parameter, because the builder would bind nine parameters per row (a rescore writes up to 366
// rows at once) and the Worker pays CPU for each.
import type { Pool } from "@neondatabase/serverless";
import { and, asc, between, eq, sql } from "drizzle-orm";
import { hrvDaily, readinessSnapshots, sleepDaily } from "../../db/schema";
import type { Database } from "../lib/db";
import { ALGORITHM_VERSION } from "./constants";
import type { ReadinessResult } from "./types";

export type SqlClient = Pick<Pool, "query">;

/** Postgres' code for a foreign-key violation: the user row is gone (erased) mid-write. */
export const FOREIGN_KEY_VIOLATION = "23503";

/** The API's readiness item (CONTRACT §4): the model's result without `reasons`, plus `computed_at`. */
export type ReadinessSnapshot = Omit<ReadinessResult, "reasons"> & { computed_at: string };

export function toSnapshot(result: ReadinessResult, computedAt: string): ReadinessSnapshot {
  const { reasons: _reasons, ...item } = result;
  return { ...item, computed_at: computedAt };
}

/** The columns of a row in the item shape: dates and instants as text, as the object's cached JSON holds them. */
const snapshotColumns = {
  date: sql<string>`to_char(${readinessSnapshots.date}, 'YYYY-MM-DD')`.as("date"),
  score: readinessSnapshots.score,
  level: readinessSnapshots.level,
  confidence: readinessSnapshots.confidence,
  components: readinessSnapshots.components,
  baseline: readinessSnapshots.baseline,
  algorithm_version: readinessSnapshots.algorithmVersion,
  computed_at: sql<string>`to_char(${readinessSnapshots.computedAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as("computed_at"),
};

export interface StoredReadiness {
  snapshot: ReadinessSnapshot | null;
  /** Whether the user has any daily row at all (no snapshot but data: the date can be scored now). */
  hasData: boolean;
}

/** The snapshot of one date and whether the user has any data, in one round trip. */
export async function readSnapshot(db: Database, userId: string, date: string): Promise<StoredReadiness> {
  const snapshot = db.select(snapshotColumns).from(readinessSnapshots)
    .where(and(eq(readinessSnapshots.userId, userId), eq(readinessSnapshots.date, date)))
    .as("s");
  const { rows } = await db.execute<Partial<ReadinessSnapshot> & { has_data: boolean }>(sql`
    SELECT s.*, (EXISTS (SELECT 1 FROM ${hrvDaily} WHERE ${hrvDaily.userId} = ${userId})
              OR EXISTS (SELECT 1 FROM ${sleepDaily} WHERE ${sleepDaily.userId} = ${userId})) AS has_data
      FROM (SELECT 1) AS one LEFT JOIN ${snapshot} ON true`);
  const { has_data: hasData, ...row } = rows[0]!;
  return { snapshot: row.date ? (row as ReadinessSnapshot) : null, hasData };
}

/** The stored snapshots from `from` to `to` (inclusive), by date. */
export async function readSnapshotRange(db: Database, userId: string, from: string, to: string): Promise<ReadinessSnapshot[]> {
  const rows = await db.select(snapshotColumns).from(readinessSnapshots)
    .where(and(eq(readinessSnapshots.userId, userId), between(readinessSnapshots.date, from, to)))
    .orderBy(asc(readinessSnapshots.date));
  // components and baseline are the model's JSON, written only by upsertSnapshots below.
  return rows as ReadinessSnapshot[];
}

/**
 * Upserts snapshots on (user_id, date) in one statement. A row is replaced only by a snapshot
 * computed from a read at least as recent (`computed_at` is taken before the history is read), so a
 * slow writer never overwrites a newer score with one from older data.
 */
export async function upsertSnapshots(client: SqlClient, userId: string, snapshots: readonly ReadinessSnapshot[]): Promise<void> {
  if (snapshots.length === 0) return;
  await client.query(
    `INSERT INTO readiness_snapshots
            (user_id, date, score, level, confidence, components, baseline, algorithm_version, computed_at)
     SELECT $1, r.date, r.score, r.level, r.confidence, r.components, r.baseline, r.algorithm_version, r.computed_at
       FROM jsonb_to_recordset($2::jsonb) AS r(date date, score integer, level text, confidence real,
            components jsonb, baseline jsonb, algorithm_version text, computed_at timestamptz)
     ON CONFLICT (user_id, date) DO UPDATE SET
            score = excluded.score, level = excluded.level, confidence = excluded.confidence,
            components = excluded.components, baseline = excluded.baseline,
            algorithm_version = excluded.algorithm_version, computed_at = excluded.computed_at
      WHERE readiness_snapshots.computed_at <= excluded.computed_at`,
    [userId, JSON.stringify(snapshots)],
  );
}

/** Up to `limit` users, in id order after `afterId`, holding at least one snapshot of another model version. */
export async function usersWithStaleSnapshots(client: SqlClient, afterId: string, limit: number): Promise<string[]> {
  const { rows } = await client.query<{ user_id: string }>(
    `SELECT DISTINCT user_id FROM readiness_snapshots
      WHERE algorithm_version <> $1 AND user_id > $2
      ORDER BY user_id LIMIT $3`,
    [ALGORITHM_VERSION, afterId, limit],
  );
  return rows.map((r) => r.user_id);
}

/** The dates of the user's snapshots of another model version, in order. */
export async function staleSnapshotDates(client: SqlClient, userId: string): Promise<string[]> {
  const { rows } = await client.query<{ date: string }>(
    `SELECT to_char(date, 'YYYY-MM-DD') AS date FROM readiness_snapshots
      WHERE user_id = $1 AND algorithm_version <> $2 ORDER BY date`,
    [userId, ALGORITHM_VERSION],
  );
  return rows.map((r) => r.date);
}
