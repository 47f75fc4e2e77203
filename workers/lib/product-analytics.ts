// Product analytics (PostHog): a handful of product events, never a biometric value, a token or an
// email. The distinct id is an HMAC of the hub user id under POSTHOG_ID_KEY, so PostHog can count
// returning users without learning who they are. Off when POSTHOG_KEY is unset. Each capture builds
// its own client and is flushed from `waitUntil` (flushAt 1, flushInterval 0, then shutdown), so an
// evicted isolate loses nothing and no request waits for PostHog.
import { PostHog } from "posthog-node";
import type { Vendor } from "../../db/sources";
import type { Config } from "../env";
import { bytesToHex } from "./encoding";
import { createLogger } from "./logger";

export type ProductEvent =
  | "connection_created"
  | "connection_removed"
  | "readiness_viewed"
  | "export_requested"
  | "erasure_completed"
  | "first_readiness_score";

/** Only these properties exist; values are vendor names and similar labels, never data. */
export type ProductProperties = { vendor?: Vendor };

export interface ProductAnalytics {
  capture(userId: string, event: ProductEvent, properties?: ProductProperties): void;
  /** An event tied to no person (a fresh id, no profile): for erasure, which must not recreate one. */
  captureUnlinked(event: ProductEvent): void;
  /** Asks PostHog to delete the person and their events (erasure). */
  forget(userId: string): void;
}

type AnalyticsConfig = Pick<Config, "POSTHOG_KEY" | "POSTHOG_HOST" | "POSTHOG_ID_KEY" | "POSTHOG_PERSONAL_API_KEY" | "POSTHOG_PROJECT_ID" | "POSTHOG_APP_HOST">;
type WaitUntil = Pick<ExecutionContext, "waitUntil">;

const OFF: ProductAnalytics = { capture: () => undefined, captureUnlinked: () => undefined, forget: () => undefined };
const DEFAULT_HOST = "https://us.i.posthog.com";
const keys = new Map<string, Promise<CryptoKey>>();

export function productAnalytics(config: AnalyticsConfig, ctx: WaitUntil): ProductAnalytics {
  const projectKey = config.POSTHOG_KEY;
  const idKey = config.POSTHOG_ID_KEY;
  if (!projectKey || !idKey) return OFF;
  const host = config.POSTHOG_HOST ?? DEFAULT_HOST;
  const log = createLogger({ component: "product_analytics" });
  const background = (work: () => Promise<void>, failure: string) =>
    ctx.waitUntil(work().catch(() => log.warn(failure)));
  const send = (distinctId: Promise<string>, event: ProductEvent, properties: Record<string, unknown>) =>
    background(async () => {
      const client = new PostHog(projectKey, { host, flushAt: 1, flushInterval: 0, disableGeoip: true });
      client.capture({ distinctId: await distinctId, event, properties });
      await client.shutdown();
    }, "product_event_failed");
  return {
    capture: (userId, event, properties = {}) => send(distinctIdOf(idKey, userId), event, { ...properties }),
    captureUnlinked: (event) => send(Promise.resolve(crypto.randomUUID()), event, { $process_person_profile: false }),
    forget(userId) {
      if (!config.POSTHOG_PERSONAL_API_KEY || !config.POSTHOG_PROJECT_ID) {
        log.warn("product_person_delete_not_configured");
        return;
      }
      const appHost = (config.POSTHOG_APP_HOST ?? host).replace(/\/+$/, "");
      background(async () => {
        const res = await fetch(`${appHost}/api/projects/${encodeURIComponent(config.POSTHOG_PROJECT_ID!)}/persons/bulk_delete/`, {
          method: "POST",
          headers: { authorization: `Bearer ${config.POSTHOG_PERSONAL_API_KEY}`, "content-type": "application/json" },
          body: JSON.stringify({ distinct_ids: [await distinctIdOf(idKey, userId)], delete_events: true }),
        });
        await res.body?.cancel();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
      }, "product_person_delete_failed");
    },
  };
}

/** HMAC-SHA256(POSTHOG_ID_KEY, user id), hex: stable per user, meaningless without the key. */
export async function distinctIdOf(idKey: string, userId: string): Promise<string> {
  let key = keys.get(idKey);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(idKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(idKey, key);
  }
  const mac = await crypto.subtle.sign("HMAC", await key, new TextEncoder().encode(userId));
  return bytesToHex(new Uint8Array(mac));
}
