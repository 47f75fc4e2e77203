// Readiness recompute cost for users with two years of history: the pure model in this process, and
// the whole path in the hub (insights queue → consumer → the user's Durable Object → history query,
// model, snapshot upsert) measured as workerd CPU above its idle rate.
import type { Pool } from "@neondatabase/serverless";
import { computeReadinessSeries, type DailyReadinessInput } from "../../workers/readiness";
import { cpuSeconds } from "./process-cpu";
import { median, summarize, type LatencySummary } from "./stats";
import type { RunningWorker } from "./workers";

/**
 * The model on its own: CPU time of this process around each synchronous call (nothing else runs in
 * the process meanwhile; CPU rather than wall time, so other work on the machine does not count).
 */
export function timeModel(rows: readonly DailyReadinessInput[], dates: readonly string[], runs: number): LatencySummary {
  for (let i = 0; i < 20; i++) computeReadinessSeries(rows, dates); // let the JIT settle first
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const before = process.cpuUsage();
    computeReadinessSeries(rows, dates);
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000);
  }
  return summarize(samples);
}

/** The dates named in the messages, and the dates the hub then scores (a changed date also moves the following week). */
export interface RecomputeCase {
  label: string;
  sent: string[];
  scored: string[];
}

export interface EndToEndRecompute {
  label: string;
  users: number;
  /** Snapshots computed and stored per user. */
  scoredPerUser: number;
  /** workerd CPU above idle, per user recompute (median over rounds). */
  cpuPerRecomputeMs: number;
  /** From sending the messages to every snapshot stored (median over rounds): includes the queue's batch wait and the object's coalescing delay. */
  wallS: number;
  rounds: number;
}

const MAX_DATES_PER_MESSAGE = 400;

async function idleCpuPerSecond(pid: number): Promise<number> {
  const cpu0 = cpuSeconds(pid);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  return (cpuSeconds(pid) - cpu0) / 2;
}

/**
 * Sends the case's insights messages for every user at once and waits until each user's scored
 * snapshots are stored with a computed_at after the send; several users per round give the CPU
 * reading (10 ms ticks) enough resolution.
 */
export async function timeEndToEnd(
  hub: RunningWorker,
  pool: Pool,
  userIds: string[],
  recompute: RecomputeCase,
  rounds: number,
): Promise<EndToEndRecompute> {
  const queue = await hub.mf.getQueueProducer<{ user_id: string; dates: string[] }>("INSIGHTS_QUEUE", hub.name);
  const cpuSamples: number[] = [];
  const wallSamples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const idlePerS = await idleCpuPerSecond(hub.pid);
    const sentAt = new Date();
    const t0 = performance.now();
    const cpu0 = cpuSeconds(hub.pid);
    for (const userId of userIds) {
      for (let i = 0; i < recompute.sent.length; i += MAX_DATES_PER_MESSAGE) {
        await queue.send({ user_id: userId, dates: recompute.sent.slice(i, i + MAX_DATES_PER_MESSAGE) });
      }
    }
    const expected = userIds.length * recompute.scored.length;
    for (;;) {
      const { rows } = await pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM readiness_snapshots WHERE user_id = ANY($1::uuid[]) AND date = ANY($2::date[]) AND computed_at >= $3",
        [userIds, recompute.scored, sentAt.toISOString()],
      );
      if (Number(rows[0]!.n) >= expected) break;
      if (performance.now() - t0 > 60_000) throw new Error(`recompute of ${expected} snapshots did not finish within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const wallS = (performance.now() - t0) / 1000;
    const busyS = cpuSeconds(hub.pid) - cpu0 - idlePerS * wallS;
    cpuSamples.push((busyS * 1000) / userIds.length);
    wallSamples.push(wallS);
  }
  return {
    label: recompute.label,
    users: userIds.length,
    scoredPerUser: recompute.scored.length,
    cpuPerRecomputeMs: median(cpuSamples),
    wallS: median(wallSamples),
    rounds,
  };
}
