// Cron jobs (wrangler.toml [triggers]): reconciliation every 15 minutes; retention and Oura
// subscription renewal once a day.
import type { Config, Env } from "../env";
import { openDb } from "../lib/db";
import { createLogger, describeError } from "../lib/logger";
import { reconcileConnections } from "./reconcile";
import { applyRetention } from "./retention";
import { renewOuraSubscriptions } from "./subscriptions";

export const RECONCILE_CRON = "*/15 * * * *";
export const DAILY_CRON = "17 3 * * *";

export async function runScheduled(cron: string, env: Env, config: Config): Promise<void> {
  const log = createLogger({ component: "scheduled", cron });
  const handle = openDb(config);
  const jobs: [string, () => Promise<unknown>][] =
    cron === RECONCILE_CRON
      ? [["reconcile", () => reconcileConnections(handle.db, env, config)]]
      : [
          ["retention", () => applyRetention(handle.pool)],
          ["oura_subscriptions", () => renewOuraSubscriptions(handle.db, config)],
        ];
  try {
    // One failing job must not stop the others; each reports on its own.
    for (const [name, job] of jobs) {
      try {
        await job();
        log.info("job_done", { job: name });
      } catch (error) {
        log.error("job_failed", { job: name, ...describeError(error) });
      }
    }
  } finally {
    await handle.close();
  }
}
