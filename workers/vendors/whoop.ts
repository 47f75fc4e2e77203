// WHOOP API v2 adapter: webhook signature and body, sleep and recovery documents, mapping, API reads.
import { z } from "zod";
import { dateAtOffset, isUtcOffset, toUtcIso } from "../lib/calendar";
import { encodeSignature, hmacSha256, parseEpochNumber, verifyHmacWebhook } from "./hmac";
import { collectPages, joinUrl, vendorGetJson } from "./http";
import type {
  CanonicalNights,
  FetchLike,
  HrvDay,
  Parsed,
  SignatureCheck,
  SleepDay,
  SleepMetrics,
  SleepSession,
  VendorEvent,
  WebhookAdapter,
  WebhookSignatureInput,
} from "./types";

// ---- Webhook signature -------------------------------------------------------------------------

/** WHOOP sends epoch milliseconds; a seconds value is refused as stale rather than reinterpreted. */
function whoopTimestampToMs(header: string): number | null {
  return /^\d{1,16}$/.test(header) ? parseEpochNumber(header) : null;
}

export function verifyWhoopSignature(input: WebhookSignatureInput): Promise<SignatureCheck> {
  return verifyHmacWebhook(input, { encoding: "base64", timestampToMs: whoopTimestampToMs });
}

/** Signs like WHOOP does (base64), for tests and the local simulator. */
export async function signWhoopWebhook(secret: string, timestampMs: string | number, body: string): Promise<string> {
  return encodeSignature(await hmacSha256(secret, String(timestampMs) + body), "base64");
}

// ---- Webhook body ------------------------------------------------------------------------------

const identifier = z
  .union([z.string().regex(/^[A-Za-z0-9_-]{1,128}$/), z.number().int().nonnegative()])
  .transform(String);

// Unknown object types (WHOOP may add some) are accepted here and skipped by the consumer, so that
// WHOOP does not retry a delivery the hub will never want.
export const whoopWebhookSchema = z.object({
  user_id: identifier,
  id: identifier,
  type: z.string().regex(/^[a-z_]{1,32}\.(?:updated|deleted)$/),
  trace_id: z.string().max(200).optional(),
});

/** WHOOP bodies carry no event time: the caller passes when it was sent (signature timestamp) or received. */
export function parseWhoopEvent(json: unknown, receivedAtMs: number = Date.now()): Parsed<VendorEvent> {
  const parsed = whoopWebhookSchema.safeParse(json);
  if (!parsed.success) return { ok: false, error: parsed.error };
  const body = parsed.data;
  const [objectType = "", change] = body.type.split(".");
  const event: VendorEvent = {
    vendor: "whoop",
    vendor_user_id: body.user_id,
    object_type: objectType,
    object_id: body.id,
    action: change === "deleted" ? "delete" : "upsert",
    event_time: new Date(receivedAtMs).toISOString(),
  };
  if (body.trace_id !== undefined) event.trace_id = body.trace_id;
  return { ok: true, value: event };
}

export const whoopWebhookAdapter: WebhookAdapter = {
  vendor: "whoop",
  signatureHeader: "x-whoop-signature",
  timestampHeader: "x-whoop-signature-timestamp",
  verifySignature: verifyWhoopSignature,
  parseEvent: parseWhoopEvent,
};

// ---- Documents ---------------------------------------------------------------------------------

const scoreState = z.enum(["SCORED", "PENDING_SCORE", "UNSCORABLE"]);
const millis = z.number().nonnegative();

const whoopSleepScoreSchema = z.object({
  stage_summary: z.object({
    total_in_bed_time_milli: millis,
    total_awake_time_milli: millis,
    total_light_sleep_time_milli: millis,
    total_slow_wave_sleep_time_milli: millis,
    total_rem_sleep_time_milli: millis,
  }),
  sleep_efficiency_percentage: z.number().min(0).max(100).nullish().transform((v) => v ?? null),
});

export const whoopSleepSchema = z.object({
  id: z.string().min(1),
  cycle_id: z.number().int(),
  user_id: z.number().int(),
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }),
  timezone_offset: z.string().refine(isUtcOffset, "expected +hh:mm, -hh:mm or Z"),
  nap: z.boolean(),
  score_state: scoreState,
  score: whoopSleepScoreSchema.nullish(),
});
export type WhoopSleep = z.output<typeof whoopSleepSchema>;

export const whoopRecoverySchema = z.object({
  cycle_id: z.number().int(),
  sleep_id: z.string().min(1),
  user_id: z.number().int(),
  score_state: scoreState,
  score: z
    .object({
      resting_heart_rate: z.number().nonnegative(),
      hrv_rmssd_milli: z.number().nonnegative(),
    })
    .nullish(),
});
export type WhoopRecovery = z.output<typeof whoopRecoverySchema>;

function collectionOf<T extends z.ZodType>(record: T) {
  return z.object({ records: z.array(record), next_token: z.string().nullish() });
}
export const whoopSleepCollectionSchema = collectionOf(whoopSleepSchema);
export const whoopRecoveryCollectionSchema = collectionOf(whoopRecoverySchema);

export const whoopProfileSchema = z.object({ user_id: z.number().int() });
export type WhoopProfile = z.output<typeof whoopProfileSchema>;

// ---- Canonical mapping -------------------------------------------------------------------------

const toSeconds = (ms: number) => Math.round(ms / 1000);

/** The night's date: `end` read on the clock of the sleep's own `timezone_offset`. */
export function whoopSleepDate(sleep: WhoopSleep): string {
  return dateAtOffset(sleep.end, sleep.timezone_offset);
}

function whoopSleepMetrics(sleep: WhoopSleep): SleepMetrics {
  const bedtimes = { bedtime_start: toUtcIso(sleep.start), bedtime_end: toUtcIso(sleep.end) };
  const empty = { latency_s: null, avg_hrv_ms: null, lowest_hr_bpm: null };
  // Unscored sleeps have no trustworthy stage values yet; zeros would read as a sleepless night.
  if (sleep.score_state !== "SCORED" || !sleep.score) {
    const unscored = { total_sleep_s: null, deep_s: null, light_s: null, rem_s: null, awake_s: null, efficiency_pct: null };
    return { ...unscored, ...bedtimes, ...empty };
  }
  const stages = sleep.score.stage_summary;
  const asleepMs =
    stages.total_light_sleep_time_milli + stages.total_slow_wave_sleep_time_milli + stages.total_rem_sleep_time_milli;
  return {
    total_sleep_s: toSeconds(asleepMs),
    deep_s: toSeconds(stages.total_slow_wave_sleep_time_milli),
    light_s: toSeconds(stages.total_light_sleep_time_milli),
    rem_s: toSeconds(stages.total_rem_sleep_time_milli),
    awake_s: toSeconds(stages.total_awake_time_milli),
    efficiency_pct: sleep.score.sleep_efficiency_percentage,
    ...bedtimes,
    ...empty,
  };
}

/** Naps are kept as sessions only; a sleep with `nap: false` also gives the day's sleep row. */
export function whoopSleepToCanonical(sleep: WhoopSleep): { session: SleepSession; sleepDay?: SleepDay } {
  const date = whoopSleepDate(sleep);
  const fields = whoopSleepMetrics(sleep);
  const session: SleepSession = {
    vendor_object_id: sleep.id,
    date,
    source: "whoop",
    is_main: !sleep.nap,
    start: fields.bedtime_start,
    end: fields.bedtime_end,
    fields,
  };
  if (sleep.nap) return { session };
  return { session, sleepDay: { date, source: "whoop", ...fields } };
}

/** The HRV row of a scored recovery, dated like the sleep it was computed from; null until scored. */
export function whoopRecoveryToHrv(recovery: WhoopRecovery, sleepDate: string): HrvDay | null {
  if (recovery.score_state !== "SCORED" || !recovery.score) return null;
  return {
    date: sleepDate,
    source: "whoop",
    rmssd_ms: recovery.score.hrv_rmssd_milli,
    sdnn_ms: null,
    resting_hr_bpm: recovery.score.resting_heart_rate,
  };
}

/**
 * Maps sleeps and recoveries of a period (backfill, reconciliation). When two non-nap sleeps end
 * on one date, the longer one is the night; each recovery is dated by the sleep it belongs to.
 */
export function whoopNightsToCanonical(
  sleeps: readonly WhoopSleep[],
  recoveries: readonly WhoopRecovery[],
): CanonicalNights {
  const mains = new Map<string, WhoopSleep>();
  const span = (s: WhoopSleep) => Date.parse(s.end) - Date.parse(s.start);
  for (const sleep of sleeps) {
    if (sleep.nap) continue;
    const date = whoopSleepDate(sleep);
    const current = mains.get(date);
    if (!current || span(sleep) > span(current)) mains.set(date, sleep);
  }
  const mainIds = new Set([...mains.values()].map((s) => s.id));
  const result: CanonicalNights = { sessions: [], sleepDays: [], hrvDays: [] };
  for (const sleep of sleeps) {
    const mapped = whoopSleepToCanonical(sleep);
    if (!mainIds.has(sleep.id)) {
      result.sessions.push({ ...mapped.session, is_main: false });
      continue;
    }
    result.sessions.push(mapped.session);
    if (mapped.sleepDay) result.sleepDays.push(mapped.sleepDay);
  }
  const dateBySleepId = new Map([...mains].map(([date, sleep]) => [sleep.id, date]));
  for (const recovery of recoveries) {
    const date = dateBySleepId.get(recovery.sleep_id);
    const hrv = date === undefined ? null : whoopRecoveryToHrv(recovery, date);
    if (hrv) result.hrvDays.push(hrv);
  }
  return result;
}

// ---- API reads ---------------------------------------------------------------------------------

const PAGE_LIMIT = "25"; // WHOOP's maximum page size

export function fetchWhoopSleep(
  baseUrl: string,
  accessToken: string,
  id: string,
  fetchImpl: FetchLike = fetch,
): Promise<WhoopSleep> {
  return vendorGetJson({
    vendor: "whoop",
    resource: "sleep",
    url: joinUrl(baseUrl, `/v2/activity/sleep/${encodeURIComponent(id)}`),
    accessToken,
    schema: whoopSleepSchema,
    fetchImpl,
  });
}

export function fetchWhoopRecovery(
  baseUrl: string,
  accessToken: string,
  cycleId: number,
  fetchImpl: FetchLike = fetch,
): Promise<WhoopRecovery> {
  return vendorGetJson({
    vendor: "whoop",
    resource: "recovery",
    url: joinUrl(baseUrl, `/v2/cycle/${encodeURIComponent(String(cycleId))}/recovery`),
    accessToken,
    schema: whoopRecoverySchema,
    fetchImpl,
  });
}

/** `start`/`end` are RFC 3339 instants; WHOOP pages with `nextToken` in the query, `next_token` in the body. */
export function listWhoopSleep(
  baseUrl: string,
  accessToken: string,
  start: string,
  end: string,
  fetchImpl: FetchLike = fetch,
): Promise<WhoopSleep[]> {
  return listWhoop(baseUrl, accessToken, "/v2/activity/sleep", "sleep list", whoopSleepCollectionSchema, start, end, fetchImpl);
}

export function listWhoopRecovery(
  baseUrl: string,
  accessToken: string,
  start: string,
  end: string,
  fetchImpl: FetchLike = fetch,
): Promise<WhoopRecovery[]> {
  return listWhoop(baseUrl, accessToken, "/v2/recovery", "recovery list", whoopRecoveryCollectionSchema, start, end, fetchImpl);
}

function listWhoop<T>(
  baseUrl: string,
  accessToken: string,
  path: string,
  resource: string,
  schema: z.ZodType<{ records: T[]; next_token?: string | null | undefined }>,
  start: string,
  end: string,
  fetchImpl: FetchLike,
): Promise<T[]> {
  return collectPages("whoop", resource, async (nextToken) => {
    const page = await vendorGetJson({
      vendor: "whoop",
      resource,
      url: joinUrl(baseUrl, path, { start, end, limit: PAGE_LIMIT, nextToken }),
      accessToken,
      schema,
      fetchImpl,
    });
    return { items: page.records, nextToken: page.next_token };
  });
}

export function fetchWhoopProfile(
  baseUrl: string,
  accessToken: string,
  fetchImpl: FetchLike = fetch,
): Promise<WhoopProfile> {
  return vendorGetJson({
    vendor: "whoop",
    resource: "profile",
    url: joinUrl(baseUrl, "/v2/user/profile/basic"),
    accessToken,
    schema: whoopProfileSchema,
    fetchImpl,
  });
}
