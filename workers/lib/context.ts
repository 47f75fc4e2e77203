// Types shared by every Hono route: the bindings, and the per-request services set by the app factory.
import type { Config, Env } from "../env";
import type { DbHandle } from "./db";
import type { Logger } from "./logger";

export interface RequestUser {
  id: string;
  auditRef: string;
  timezone: string;
}

export interface AppVariables {
  requestId: string;
  config: Config;
  log: Logger;
  /** Opens the request's DB pool on first use; the app closes it after the response. */
  database: () => DbHandle;
  user: RequestUser;
  /** The bearer token's `exp` (epoch seconds): the live socket closes then. */
  tokenExpiresAt: number;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };
