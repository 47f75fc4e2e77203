// Cron jobs (wrangler.toml [triggers]): reconciliation every 15 minutes; retention and Oura
// subscription renewal once a day.
import type { Config, Env } from "../env";
import { createLogger } from "../lib/logger";

export const RECONCILE_CRON = "*/15 * * * *";
export const DAILY_CRON = "17 3 * * *";

export async function runScheduled(cron: string, _env: Env, _config: Config): Promise<void> {
  createLogger({ component: "scheduled" }).info("cron_fired", { cron });
}
