// The user's export (GDPR Art. 15/20): everything the hub holds about one user as one JSON document,
// streamed section by section from one read-only snapshot, so a user with years of phone samples never
// has to fit in the Worker's memory. Postgres renders each row as JSON (`to_jsonb(row) - 'user_id'`),
// so a column added later is exported without touching this file; token columns are never selected.
import type { PoolClient } from "@neondatabase/serverless";

interface Section {
  key: string;
  /** One row per item, one column `j` holding the item as JSON text; `$1` is the user id. */
  sql: string;
  /** `user` is an object; every other section is a list. */
  single?: boolean;
}

const CONNECTION_COLUMNS = "vendor, vendor_user_id, status, scopes, connected_at, last_sync_at, token_expires_at";
const OWN_VENDOR_IDS = "SELECT vendor, vendor_user_id FROM connections WHERE user_id = $1";

/** Top-level keys in order: the contract's seven, then the raw material the daily rows came from. */
export const EXPORT_SECTIONS: readonly Section[] = [
  { key: "user", single: true, sql: "SELECT to_jsonb(u)::text AS j FROM users u WHERE id = $1" },
  {
    key: "connections",
    sql: `SELECT to_jsonb(c)::text AS j FROM (SELECT ${CONNECTION_COLUMNS} FROM connections WHERE user_id = $1 ORDER BY vendor) c`,
  },
  { key: "sleep", sql: rowsOf("sleep_daily", "date, source") },
  { key: "hrv", sql: rowsOf("hrv_daily", "date, source") },
  { key: "samples", sql: rowsOf("phone_samples", "start_at, uuid") },
  { key: "readiness", sql: rowsOf("readiness_snapshots", "date") },
  {
    key: "audit",
    sql: `SELECT to_jsonb(a)::text AS j FROM audit_log a, users u
          WHERE u.id = $1 AND (a.subject_ref = u.audit_ref OR a.actor_ref = u.audit_ref::text) ORDER BY a.id`,
  },
  { key: "sleep_sessions", sql: rowsOf("sleep_sessions", "date, start_at") },
  { key: "signals", sql: rowsOf("daily_signals", "date, source") },
  { key: "workouts", sql: rowsOf("workouts", "start_at, source, vendor_object_id") },
  { key: "trends", sql: rowsOf("trends_weekly", "week_start") },
  { key: "vendor_records", sql: rowsOf("vendor_records", "vendor, object_type, object_id") },
  // Deliveries processed for the user (user_id), also of accounts since disconnected, and any of a
  // connected account recorded before user_id existed.
  {
    key: "webhook_events",
    sql: `SELECT (to_jsonb(w) - 'user_id')::text AS j FROM webhook_events w
          WHERE user_id = $1 OR (vendor, vendor_user_id) IN (${OWN_VENDOR_IDS}) ORDER BY received_at, id`,
  },
  { key: "dead_letters", sql: rowsOf("dead_letters", "received_at, id") },
];

function rowsOf(table: string, order: string): string {
  return `SELECT (to_jsonb(t) - 'user_id')::text AS j FROM ${table} t WHERE user_id = $1 ORDER BY ${order}`;
}

const ROWS_PER_FETCH = 500;

/**
 * Yields the export document in chunks. Holds `client` in one REPEATABLE READ, READ ONLY transaction
 * (every section sees the same moment) and always ends it, also when the consumer stops early.
 */
export async function* exportDocument(client: PoolClient, userId: string): AsyncGenerator<string> {
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  let open = true;
  try {
    // Instants render as RFC 3339 UTC whatever the server's default time zone.
    await client.query("SET LOCAL TIME ZONE 'UTC'");
    yield "{";
    for (const [index, section] of EXPORT_SECTIONS.entries()) {
      yield `${index === 0 ? "" : ","}${JSON.stringify(section.key)}:`;
      if (section.single) {
        const { rows } = await client.query<{ j: string }>(section.sql, [userId]);
        yield rows[0]?.j ?? "null";
      } else {
        yield* sectionRows(client, section, userId);
      }
    }
    yield "}";
    await client.query("COMMIT");
    open = false;
  } finally {
    if (open) await client.query("ROLLBACK").catch(() => undefined);
  }
}

async function* sectionRows(client: PoolClient, section: Section, userId: string): AsyncGenerator<string> {
  await client.query(`DECLARE export_rows NO SCROLL CURSOR FOR ${section.sql}`, [userId]);
  yield "[";
  let first = true;
  for (;;) {
    const { rows } = await client.query<{ j: string }>(`FETCH FORWARD ${ROWS_PER_FETCH} FROM export_rows`);
    if (rows.length === 0) break;
    yield (first ? "" : ",") + rows.map((row) => row.j).join(",");
    first = false;
  }
  yield "]";
  await client.query("CLOSE export_rows");
}

/** A byte stream of the document; the client goes back to `release` when the stream ends or is cancelled. */
export function exportStream(client: PoolClient, userId: string, release: (error?: unknown) => Promise<void>): ReadableStream<Uint8Array> {
  const chunks = exportDocument(client, userId);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) {
          controller.close();
          await release();
        } else {
          controller.enqueue(encoder.encode(next.value));
        }
      } catch (error) {
        controller.error(error);
        await release(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
      await release();
    },
  });
}
