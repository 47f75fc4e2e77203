// What vendor adapters share: the webhook adapter interface, events, and the canonical rows they
// produce (defined in workers/lib/canonical-rows.ts and re-exported here).
import type { ZodError } from "zod";
import type { HrvDay, SignalDay, SleepDay, SleepSession, Vendor } from "../lib/canonical-rows";

export type { HrvDay, SignalDay, SleepDay, SleepMetrics, SleepSession, Source, Vendor } from "../lib/canonical-rows";
export { isShortNight, SHORT_NIGHT_S } from "../lib/canonical-rows";

// Phone platforms' apps upload samples to `POST /v1/me/samples`; the lists are in db/sources.ts.
import type { PhoneSource } from "../../db/sources";
export type { PhoneSource };

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
 * to read the body.
 */
export interface WebhookAdapter {
  vendor: Vendor;
  /** One line for /openapi.json: the body and the signature header. */
  summary: string;
  signatureHeader: string;
  timestampHeader: string;
  verifySignature(input: WebhookSignatureInput): Promise<SignatureCheck>;
  parseEvent(json: unknown, receivedAtMs: number): Parsed<VendorEvent>;
}

/** Something that behaves like `fetch` for the vendor API calls; tests pass a small function. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** One user's door to one vendor's API: where it is, the user's token, and how to call it. */
export interface VendorApi {
  baseUrl: string;
  accessToken: string;
  fetchImpl: FetchLike;
  /** Scopes the user granted; unset when the grant did not record them (then the hub's request is assumed). */
  scopes?: ReadonlySet<string>;
}

/** One vendor app's OAuth client. */
export interface VendorOAuthApp {
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
}

/**
 * Everything about a vendor that differs from the others, one object per vendor (workers/vendors/
 * registry.ts lists them); callers look a vendor up instead of branching on its name. `C` is the part
 * of the Worker config (workers/env.ts) the adapter reads, so an adapter file needs nothing above it.
 * The API reads and the mapping to canonical rows are exported by the same file, for the vendor's
 * normalizer (workers/normalize/<vendor>.ts).
 */
export interface VendorAdapter<C> {
  readonly vendor: Vendor;
  readonly webhook: WebhookAdapter;
  /** The secret that signs the vendor's webhooks. */
  readonly webhookSecret: (config: C) => string;
  readonly apiBase: (config: C) => string;
  readonly oauth: {
    readonly app: (config: C) => VendorOAuthApp;
    /** What the consent page asks for. */
    readonly scopes: string;
    /** Extra form fields of a refresh grant. */
    readonly refreshParams: Readonly<Record<string, string>>;
  };
  /** The vendor's id of the account a token belongs to. */
  readonly accountId: (api: VendorApi) => Promise<string>;
  /** The request that ends a grant at the vendor. */
  readonly revocation: (config: C, accessToken: string) => { url: string; init: RequestInit };
  /** A budget shared by the whole app, for a vendor that limits the app rather than each token. */
  readonly callBudget?: (config: C) => { key: string; perMinute: number; perDay: number };
}
