// Oura webhook subscriptions expire: renew them days before they do.
import type { Config } from "../env";
import type { Database } from "../lib/db";

export async function renewOuraSubscriptions(_db: Database, _config: Config): Promise<{ renewed: number }> {
  return { renewed: 0 };
}
