// Time from a webhook's delivery to its night being readable in Postgres (sleep_daily), for a few
// dozen nights at a modest, evenly paced rate.
import type { Pool } from "@neondatabase/serverless";
import { signedSleepUpdates } from "./oura-webhooks";
import type { ConnectedOuraUser } from "./oura-users";
import { summarize, type LatencySummary } from "./stats";

export interface FreshnessResult extends LatencySummary {
  sent: number;
  accepted: number;
  /** Nights still not visible when polling gave up. */
  missing: number;
  ratePerS: number;
  pollMs: number;
}

const POLL_MS = 25;
const GIVE_UP_MS = 30_000;

export async function measureFreshness(
  origin: string,
  pool: Pool,
  secret: string,
  user: ConnectedOuraUser,
  opts: { nights: number; ratePerS: number },
): Promise<FreshnessResult> {
  const nights = user.nights.slice(-opts.nights);
  const requests = await signedSleepUpdates(
    secret,
    nights.map((night) => ({ userId: user.userId, vendorUserId: user.vendorUserId, objectId: night.id, day: night.day })),
    nights.length,
  );
  const sentAt = new Map<string, number>();
  const visibleAfterMs = new Map<string, number>();
  let accepted = 0;

  const deliveries = requests.map(
    (request, i) =>
      new Promise<void>((resolve) => {
        setTimeout(async () => {
          const date = nights[i]!.day;
          sentAt.set(date, performance.now());
          const response = await fetch(`${origin}${request.path}`, { method: "POST", headers: request.headers, body: request.body });
          await response.body?.cancel();
          if (response.ok) accepted++;
          resolve();
        }, (i * 1000) / opts.ratePerS);
      }),
  );

  const pending = new Set(nights.map((night) => night.day));
  const deadline = performance.now() + (nights.length * 1000) / opts.ratePerS + GIVE_UP_MS;
  while (pending.size > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const asked = [...pending].filter((date) => sentAt.has(date));
    if (asked.length === 0) continue;
    const found = await pool.query<{ date: string }>(
      "SELECT date::text AS date FROM sleep_daily WHERE user_id = $1 AND date = ANY($2::date[])",
      [user.userId, asked],
    );
    const now = performance.now();
    for (const { date } of found.rows) {
      visibleAfterMs.set(date, now - sentAt.get(date)!);
      pending.delete(date);
    }
  }
  await Promise.all(deliveries);
  return {
    ...summarize([...visibleAfterMs.values()]),
    sent: requests.length,
    accepted,
    missing: pending.size,
    ratePerS: opts.ratePerS,
    pollMs: POLL_MS,
  };
}
