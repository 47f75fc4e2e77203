// What vendor adapters share: the webhook adapter interface, events, and the canonical rows they
// produce (defined in workers/lib/canonical-rows.ts and re-exported here).
import type { ZodError } from "zod";
import type { HrvDay, SignalDay, SleepDay, SleepSession, Vendor } from "../lib/canonical-rows";

export type { HrvDay, SignalDay, SleepDay, SleepMetrics, SleepSession, Source, Vendor } from "../lib/canonical-rows";
export { isShortNight, SHORT_NIGHT_S } from "../lib/canonical-rows";

/** Phone platforms whose apps upload samples to `POST /v1/me/samples`. */
export type PhoneSource = "apple_health" | "health_connect";

/**
 * What the hub expects from one phone platform. Each reports a single HRV measure, and an upload
 * naming the other one is refused so SDNN and RMSSD can never meet in one baseline.
 */
export interface PhoneSourceProfile {
  source: PhoneSource;
  hrvType: "hrv_sdnn" | "hrv_rmssd";
}

/** Everything mapped from a batch of vendor sleep records: all sessions, and daily rows of main nights. */
export interface CanonicalNights {
  sessions: SleepSession[];
  sleepDays: SleepDay[];
  hrvDays: HrvDay[];
  /** Vendor scores of the main nights' days; absent when the vendor gave none. */
  signalDays?: SignalDay[];
}

export type VendorEventAction = "upsert" | "delete";

/**
 * A webhook notification reduced to identifiers. `object_type` is the vendor's data type:
 * Oura's `data_type` ("sleep", "daily_readiness", …) or WHOOP's type prefix ("sleep", "recovery",
 * "workout"). For WHOOP recovery events `object_id` is the id of the sleep the recovery belongs to.
 */
export interface VendorEvent {
  vendor: Vendor;
  vendor_user_id: string;
  object_type: string;
  object_id: string;
  action: VendorEventAction;
  event_time: string;
  trace_id?: string;
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: "missing_header" | "bad_timestamp" | "stale_timestamp" | "bad_signature" };

export interface WebhookSignatureInput {
  secret: string;
  timestampHeader: string | null | undefined;
  signatureHeader: string | null | undefined;
  rawBody: string;
  nowMs: number;
  toleranceMs: number;
}

/** Result of parsing an outside document: the value, or the zod error that names the bad paths. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ZodError };

/**
 * What the webhook route needs from a vendor: where the signature lives, how to check it and how
 * to read the body. Adding a webhook vendor is adding one of these.
 */
export interface WebhookAdapter {
  vendor: Vendor;
  signatureHeader: string;
  timestampHeader: string;
  verifySignature(input: WebhookSignatureInput): Promise<SignatureCheck>;
  parseEvent(json: unknown, receivedAtMs: number): Parsed<VendorEvent>;
}

/** Something that behaves like `fetch` for the vendor API calls; tests pass a small function. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;
