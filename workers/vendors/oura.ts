// Oura API v2 adapter: webhook signature and body, sleep documents, canonical mapping, API reads.
import { z } from "zod";
import { addDays, toUtcIso } from "../lib/calendar";
import { encodeSignature, hmacSha256, parseEpochNumber, verifyHmacWebhook } from "./hmac";
import { collectPages, joinUrl, vendorGetJson } from "./http";
import type {
  CanonicalNights,
  HrvDay,
  Parsed,
  SignalDay,
  SignatureCheck,
  SleepDay,
  SleepMetrics,
  SleepSession,
  VendorAdapter,
  VendorApi,
  VendorEvent,
  WebhookAdapter,
  WebhookSignatureInput,
} from "./types";

// ---- Webhook signature -------------------------------------------------------------------------

/** Oura documents epoch seconds; a value above 10^12 can only be milliseconds. */
function ouraTimestampToMs(header: string): number | null {
  const value = parseEpochNumber(header);
  if (value === null) return null;
  return value > 1e12 ? value : value * 1000;
}

export function verifyOuraSignature(input: WebhookSignatureInput): Promise<SignatureCheck> {
  return verifyHmacWebhook(input, { encoding: "hex", timestampToMs: ouraTimestampToMs });
}

/** Signs like Oura does (upper-case hex), for tests and the local simulator. */
export async function signOuraWebhook(secret: string, timestamp: string | number, body: string): Promise<string> {
  return encodeSignature(await hmacSha256(secret, String(timestamp) + body), "hex").toUpperCase();
}

// ---- Webhook body ------------------------------------------------------------------------------

const looseInstant = z
  .string()
  .refine((text) => !Number.isNaN(Date.parse(text)), "expected a date-time")
  .transform(toUtcIso);

// data_type and object_id end up in an API path, so only URL-safe identifiers are let through.
export const ouraWebhookSchema = z.object({
  event_type: z.enum(["create", "update", "delete"]),
  data_type: z.string().regex(/^[A-Za-z0-9_]{1,64}$/),
  object_id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  event_time: looseInstant,
  user_id: z.string().min(1).max(128),
});

export function parseOuraEvent(json: unknown): Parsed<VendorEvent> {
  const parsed = ouraWebhookSchema.safeParse(json);
  if (!parsed.success) return { ok: false, error: parsed.error };
  const body = parsed.data;
  return {
    ok: true,
    value: {
      vendor: "oura",
      vendor_user_id: body.user_id,
      object_type: body.data_type,
      object_id: body.object_id,
      action: body.event_type === "delete" ? "delete" : "upsert",
      event_time: body.event_time,
    },
  };
}

export const ouraWebhookAdapter: WebhookAdapter = {
  vendor: "oura",
  summary: "Oura event notification {event_type, data_type, object_id, event_time, user_id}, signed with x-oura-signature",
  signatureHeader: "x-oura-signature",
  timestampHeader: "x-oura-timestamp",
  verifySignature: verifyOuraSignature,
  parseEvent: (json) => parseOuraEvent(json),
};

// ---- Registry entry (workers/vendors/registry.ts) ----------------------------------------------

export const DEFAULT_OURA_REVOKE_URL = "https://api.ouraring.com/oauth/revoke";

/** The Worker settings this adapter reads (validated in workers/env.ts). */
interface OuraSettings {
  OURA_CLIENT_ID: string;
  OURA_CLIENT_SECRET: string;
  OURA_API_BASE: string;
  OURA_AUTHORIZE_URL: string;
  OURA_TOKEN_URL: string;
  OURA_REVOKE_URL?: string | undefined;
}

export const ouraAdapter: VendorAdapter<OuraSettings> = {
  vendor: "oura",
  webhook: ouraWebhookAdapter,
  webhookSecret: (config) => config.OURA_CLIENT_SECRET,
  apiBase: (config) => config.OURA_API_BASE,
  oauth: {
    app: (config) => ({
      clientId: config.OURA_CLIENT_ID, clientSecret: config.OURA_CLIENT_SECRET,
      authorizeUrl: config.OURA_AUTHORIZE_URL, tokenUrl: config.OURA_TOKEN_URL,
    }),
    scopes: "personal daily heartrate session workout",
    refreshParams: {},
  },
  accountId: async (api) => (await fetchOuraPersonalInfo(api)).id,
  // Oura's revoke endpoint takes the access token in the query.
  revocation: (config, accessToken) => ({
    url: joinUrl(config.OURA_REVOKE_URL ?? DEFAULT_OURA_REVOKE_URL, "", { access_token: accessToken }),
    init: { method: "GET" },
  }),
};

// ---- Documents ---------------------------------------------------------------------------------

const seconds = z.number().nonnegative().nullish().transform((v) => v ?? null);
const measure = z.number().nonnegative().nullish().transform((v) => v ?? null);

export const ouraSleepSchema = z.object({
  id: z.string().min(1),
  day: z.iso.date(),
  bedtime_start: z.iso.datetime({ offset: true }),
  bedtime_end: z.iso.datetime({ offset: true }),
  // Oura's types: long_sleep (over 3 h), sleep (15 min to 3 h), late_nap (ends after the 6 pm day
  // change, counts toward the next day), rest (rejected by the user), deleted. Oura adds types from
  // time to time, so any string is accepted and unknown ones are kept as sessions only.
  type: z.string().nullish().transform((v) => v ?? null),
  total_sleep_duration: seconds,
  deep_sleep_duration: seconds,
  light_sleep_duration: seconds,
  rem_sleep_duration: seconds,
  awake_time: seconds,
  latency: seconds,
  efficiency: z.number().min(0).max(100).nullish().transform((v) => v ?? null),
  average_hrv: measure,
  lowest_heart_rate: measure,
  // The readiness Oura computed from this night (kept so the day's signals need no second call).
  readiness: z
    .object({
      score: z.number().int().min(0).max(100).nullish().transform((v) => v ?? null),
      temperature_deviation: z.number().min(-10).max(10).nullish().transform((v) => v ?? null),
    })
    .nullish()
    .transform((v) => v ?? null),
});
export type OuraSleep = z.output<typeof ouraSleepSchema>;

export const ouraSleepPageSchema = z.object({
  data: z.array(ouraSleepSchema),
  next_token: z.string().nullish(),
});

export const ouraPersonalInfoSchema = z.object({ id: z.string().min(1) });
export type OuraPersonalInfo = z.output<typeof ouraPersonalInfoSchema>;

// ---- Canonical mapping -------------------------------------------------------------------------

export interface OuraCanonical {
  session: SleepSession;
  sleepDay?: SleepDay;
  hrvDay?: HrvDay;
  signalDay?: SignalDay;
}

/** Oura's own readiness of the night's day, when the document carries one. */
function ouraSignalDay(doc: OuraSleep, date: string): SignalDay | undefined {
  if (!doc.readiness || (doc.readiness.score === null && doc.readiness.temperature_deviation === null)) return undefined;
  return {
    date, source: "oura", readiness_score: doc.readiness.score, temperature_deviation_c: doc.readiness.temperature_deviation,
    recovery_score: null, spo2_pct: null, skin_temp_c: null, user_calibrating: null,
  };
}

function ouraSleepMetrics(doc: OuraSleep): SleepMetrics {
  return {
    total_sleep_s: doc.total_sleep_duration,
    deep_s: doc.deep_sleep_duration,
    light_s: doc.light_sleep_duration,
    rem_s: doc.rem_sleep_duration,
    awake_s: doc.awake_time,
    efficiency_pct: doc.efficiency,
    latency_s: doc.latency,
    bedtime_start: toUtcIso(doc.bedtime_start),
    bedtime_end: toUtcIso(doc.bedtime_end),
    avg_hrv_ms: doc.average_hrv,
    lowest_hr_bpm: doc.lowest_heart_rate,
  };
}

/**
 * The date a document counts toward: Oura's `day`, except that a `late_nap` (it ended after Oura's
 * 6 pm day change) belongs to the day after the evening it ended on, whatever `day` says.
 */
export function ouraSleepDate(doc: OuraSleep): string {
  if (doc.type !== "late_nap") return doc.day;
  const nextDay = addDays(doc.bedtime_end.slice(0, 10), 1); // the wall-clock date at the document's own offset
  return nextDay > doc.day ? nextDay : doc.day;
}

/** Whether a document can be a day's night: a `long_sleep`, or a `sleep` on a day without one. */
const NIGHT_TYPES = ["long_sleep", "sleep"] as const;

/**
 * Maps one sleep document. Only the main night gives daily rows; naps, late naps and rest periods
 * are kept as sessions. When a day holds several documents, choose the night with
 * `pickMainOuraSleep` or map the whole day with `ouraNightsToCanonical`.
 */
export function ouraSleepToCanonical(doc: OuraSleep, isMain = doc.type === "long_sleep"): OuraCanonical {
  const fields = ouraSleepMetrics(doc);
  const date = ouraSleepDate(doc);
  const session: SleepSession = {
    vendor_object_id: doc.id,
    date,
    source: "oura",
    is_main: isMain,
    start: fields.bedtime_start,
    end: fields.bedtime_end,
    fields,
  };
  if (!isMain) return { session };
  const sleepDay: SleepDay = { date, source: "oura", ...fields, short_night: doc.type !== "long_sleep" };
  const signalDay = ouraSignalDay(doc, date);
  const signals = signalDay ? { signalDay } : {};
  if (doc.average_hrv === null && doc.lowest_heart_rate === null) return { session, sleepDay, ...signals };
  const hrvDay: HrvDay = {
    date,
    source: "oura",
    rmssd_ms: doc.average_hrv,
    sdnn_ms: null,
    resting_hr_bpm: doc.lowest_heart_rate,
  };
  return { session, sleepDay, hrvDay, ...signals };
}

/** The candidate with the most sleep; a later end breaks ties, as the later record is the more complete one. */
function longestOf(docs: readonly OuraSleep[]): OuraSleep | undefined {
  let best: OuraSleep | undefined;
  for (const doc of docs) {
    if (!best) {
      best = doc;
      continue;
    }
    const bySleep = (doc.total_sleep_duration ?? 0) - (best.total_sleep_duration ?? 0);
    const byEnd = Date.parse(doc.bedtime_end) - Date.parse(best.bedtime_end);
    if (bySleep > 0 || (bySleep === 0 && byEnd > 0)) best = doc;
  }
  return best;
}

/**
 * The night among the documents of one day: the longest `long_sleep`; on a day without one, the
 * longest `sleep` (a night under 3 h, which must lower the day rather than vanish from it).
 * Undefined when the day has neither (only late naps or rest periods).
 */
export function pickMainOuraSleep(docs: readonly OuraSleep[]): OuraSleep | undefined {
  for (const type of NIGHT_TYPES) {
    const best = longestOf(docs.filter((doc) => doc.type === type));
    if (best) return best;
  }
  return undefined;
}

/** Maps every document (any number of days): all sessions, and daily rows from each day's main night. */
export function ouraNightsToCanonical(docs: readonly OuraSleep[]): CanonicalNights {
  const byDay = new Map<string, OuraSleep[]>();
  for (const doc of docs) byDay.set(ouraSleepDate(doc), [...(byDay.get(ouraSleepDate(doc)) ?? []), doc]);
  const result: CanonicalNights = { sessions: [], sleepDays: [], hrvDays: [], signalDays: [] };
  for (const dayDocs of byDay.values()) {
    const main = pickMainOuraSleep(dayDocs);
    for (const doc of dayDocs) {
      const mapped = ouraSleepToCanonical(doc, doc === main);
      result.sessions.push(mapped.session);
      if (mapped.sleepDay) result.sleepDays.push(mapped.sleepDay);
      if (mapped.hrvDay) result.hrvDays.push(mapped.hrvDay);
      if (mapped.signalDay) result.signalDays!.push(mapped.signalDay);
    }
  }
  return result;
}

// ---- API reads ---------------------------------------------------------------------------------

/** Oura answers 403 on data endpoints when the user's membership has lapsed, not only for a missing scope. */
export function ouraGet<S extends z.ZodType>(api: VendorApi, resource: string, path: string, schema: S, query?: Record<string, string | undefined>) {
  return vendorGetJson(api, { vendor: "oura", resource, path, query, schema, forbidden: "membership_lapsed" });
}

export function fetchOuraSleep(api: VendorApi, id: string): Promise<OuraSleep> {
  return ouraGet(api, "sleep document", `/v2/usercollection/sleep/${encodeURIComponent(id)}`, ouraSleepSchema);
}

/** Every sleep document whose `day` lies in the range, following `next_token` to the last page. */
export function listOuraSleep(api: VendorApi, startDate: string, endDate: string): Promise<OuraSleep[]> {
  return collectPages("oura", "sleep list", async (nextToken) => {
    const query = { start_date: startDate, end_date: endDate, next_token: nextToken };
    const page = await ouraGet(api, "sleep list", "/v2/usercollection/sleep", ouraSleepPageSchema, query);
    return { items: page.data, nextToken: page.next_token };
  });
}

export function fetchOuraPersonalInfo(api: VendorApi): Promise<OuraPersonalInfo> {
  return ouraGet(api, "personal info", "/v2/usercollection/personal_info", ouraPersonalInfoSchema);
}
