// Cron jobs (wrangler.toml [triggers]): reconciliation every 15 minutes; retention and Oura
// subscription renewal once a day. Each cron names its jobs below; a cron this table does not know
// (a trigger added to wrangler.toml but not here) is logged and runs nothing.
import type { Config, Env } from "../env";
import { openDb, type DbHandle } from "../lib/db";
import { createLogger, describeError } from "../lib/logger";
import { reconcileConnections } from "./reconcile";
import { applyRetention } from "./retention";
import { renewOuraSubscriptions } from "./subscriptions";

export const RECONCILE_CRON = "*/15 * * * *";
export const DAILY_CRON = "17 3 * * *";

type Job = (handle: DbHandle, env: Env, config: Config) => Promise<unknown>;

/** cron → its jobs, by name, in the order they run. */
export const JOBS_BY_CRON: Record<string, Record<string, Job>> = {
  [RECONCILE_CRON]: {
    reconcile: (handle, env, config) => reconcileConnections(handle.db, env, config),
  },
  [DAILY_CRON]: {
    retention: (handle) => applyRetention(handle.pool),
    oura_subscriptions: (handle, _env, config) => renewOuraSubscriptions(handle.db, config),
  },
};

export async function runScheduled(cron: string, env: Env, config: Config): Promise<void> {
  const log = createLogger({ component: "scheduled", cron });
  const jobs = Object.hasOwn(JOBS_BY_CRON, cron) ? JOBS_BY_CRON[cron]! : undefined;
  if (!jobs) {
    log.warn("unknown_cron");
    return;
  }
  const handle = openDb(config);
  try {
    // One failing job must not stop the others; each reports on its own.
    for (const [name, job] of Object.entries(jobs)) {
      try {
        await job(handle, env, config);
        log.info("job_done", { job: name });
      } catch (error) {
        log.error("job_failed", { job: name, ...describeError(error) });
      }
    }
  } finally {
    await handle.close();
  }
}
