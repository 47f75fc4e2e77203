// What became of the webhooks a run sent: events the consumers stored, messages dead-lettered, and
// the vendor API calls the consumers made (by status), counted from Postgres and the simulators.
import type { Pool } from "@neondatabase/serverless";
import type { LoggedRequest } from "../../scripts/sim/http";
import type { Simulators } from "../../scripts/sim/index";

export interface PipelineCounts {
  storedEvents: Record<string, number>;
  deadLetters: number;
  vendorCalls: { oura: Record<string, number>; whoop: Record<string, number> };
}

export interface PipelineMark {
  since: Date;
  ouraCalls: number;
  whoopCalls: number;
}

export function markPipeline(sims: Simulators): PipelineMark {
  return { since: new Date(), ouraCalls: sims.oura.requests.length, whoopCalls: sims.whoop.requests.length };
}

function byStatus(requests: readonly LoggedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of requests) counts[request.status] = (counts[request.status] ?? 0) + 1;
  return counts;
}

export async function pipelineCounts(pool: Pool, sims: Simulators, mark: PipelineMark): Promise<PipelineCounts> {
  const events = await pool.query<{ vendor: string; n: string }>(
    "SELECT vendor, count(*) AS n FROM webhook_events WHERE received_at >= $1 GROUP BY vendor",
    [mark.since.toISOString()],
  );
  const dead = await pool.query<{ n: string }>("SELECT count(*) AS n FROM dead_letters WHERE received_at >= $1", [mark.since.toISOString()]);
  return {
    storedEvents: Object.fromEntries(events.rows.map((row) => [row.vendor, Number(row.n)])),
    deadLetters: Number(dead.rows[0]?.n ?? 0),
    vendorCalls: { oura: byStatus(sims.oura.requests.slice(mark.ouraCalls)), whoop: byStatus(sims.whoop.requests.slice(mark.whoopCalls)) },
  };
}
