// Retention policy, in one place, applied by the daily cron.
import type { Database } from "../lib/db";

export async function applyRetention(_db: Database, _now = new Date()): Promise<Record<string, number>> {
  return {};
}
