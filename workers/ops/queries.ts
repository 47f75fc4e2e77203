// What the operator page shows from Postgres: dead letters, webhook deliveries per vendor, recent
// recomputes, connection health and Oura subscription renewals. Counts and labels only, never a
// biometric value; dead-letter bodies (identifiers, raw vendor notifications) only on request by id.
import type { Pool } from "@neondatabase/serverless";

const HOUR = `to_char(date_trunc('hour', %s AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24":00Z"')`;
const hourOf = (column: string) => HOUR.replace("%s", column);

export async function overview(pool: Pool) {
  const [deadLetters, webhooks, recomputes, connections, subscriptions] = await Promise.all([
    pool.query(`SELECT queue, count(*) FILTER (WHERE replayed_at IS NULL)::int AS open, count(*)::int AS total,
                       count(*) FILTER (WHERE received_at > now() - interval '24 hours')::int AS last_24h
                  FROM dead_letters GROUP BY queue ORDER BY queue`),
    pool.query(`SELECT vendor, ${hourOf("received_at")} AS hour, count(*)::int AS events
                  FROM webhook_events WHERE received_at > now() - interval '24 hours' GROUP BY 1, 2 ORDER BY 2, 1`),
    pool.query(`SELECT ${hourOf("computed_at")} AS hour, count(*)::int AS snapshots, count(DISTINCT user_id)::int AS users
                  FROM readiness_snapshots WHERE computed_at > now() - interval '24 hours' GROUP BY 1 ORDER BY 1`),
    pool.query(`SELECT vendor, count(*) FILTER (WHERE status = 'active')::int AS active,
                       count(*) FILTER (WHERE status = 'needs_reconsent')::int AS needs_reconsent,
                       count(*) FILTER (WHERE status = 'active' AND (last_sync_at IS NULL OR last_sync_at < now() - interval '48 hours'))::int AS stale
                  FROM connections GROUP BY vendor ORDER BY vendor`),
    pool.query(`SELECT count(*)::int AS total, count(*) FILTER (WHERE expires_at < now())::int AS expired,
                       count(*) FILTER (WHERE expires_at >= now() AND expires_at < now() + interval '7 days')::int AS due_7d
                  FROM webhook_subscriptions`),
  ]);
  return {
    generated_at: new Date().toISOString(),
    dead_letters: deadLetters.rows,
    webhooks_per_hour: webhooks.rows,
    recomputes_per_hour: recomputes.rows,
    connections: connections.rows,
    subscriptions: subscriptions.rows[0],
  };
}

const LETTER_COLUMNS = `id::int, queue, message_id, reason, attempts, received_at, replayed_at,
  body->>'kind' AS kind, body->>'vendor' AS vendor`;

export async function listDeadLetters(pool: Pool, filter: { open: boolean; queue?: string }) {
  const { rows } = await pool.query(
    `SELECT ${LETTER_COLUMNS} FROM dead_letters
      WHERE ($1::boolean IS FALSE OR replayed_at IS NULL) AND ($2::text IS NULL OR queue = $2 OR queue LIKE '%-' || $2)
      ORDER BY received_at DESC LIMIT 200`,
    [filter.open, filter.queue ?? null],
  );
  return rows;
}

export async function deadLetterById(pool: Pool, id: number) {
  const { rows } = await pool.query(`SELECT ${LETTER_COLUMNS}, body FROM dead_letters WHERE id = $1`, [id]);
  if (!rows[0]) return null;
  const replays = await pool.query(
    "SELECT replayed_by, replayed_at FROM dead_letter_replays WHERE dead_letter_id = $1 ORDER BY replayed_at", [id],
  );
  return { ...rows[0], replays: replays.rows };
}
