// Types shared by every Hono route: the bindings, and the per-request services set by the app factory.
import type { Config, Env } from "../env";
import type { DbHandle } from "./db";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";
import type { ProductAnalytics } from "./product-analytics";

export interface RequestUser {
  id: string;
  auditRef: string;
  timezone: string;
}

export interface AppVariables {
  requestId: string;
  /** W3C traceparent of this request (the caller's, or a new trace). */
  traceparent: string;
  config: Config;
  log: Logger;
  /** Data points of this request, written from waitUntil after the response (lib/metrics.ts). */
  metrics: Metrics;
  /** Opens the request's DB pool on first use; the app closes it after the response. */
  database: () => DbHandle;
  user: RequestUser;
  /** The bearer token's `exp` (epoch seconds): the live socket closes then. */
  tokenExpiresAt: number;
  /** Product events (PostHog); does nothing when POSTHOG_KEY is unset. */
  analytics: ProductAnalytics;
  /** /ops only: the operator (Access identity, or the local name in development). */
  operator: string;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };
