// WHOOP API v2 adapter: webhook signature and body, sleep and recovery documents, mapping, API reads.
import { z } from "zod";
import { dateAtOffset, isUtcOffset, toUtcIso } from "../lib/calendar";
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
  summary: "WHOOP event notification {user_id, id, type, trace_id}, signed with X-WHOOP-Signature",
  signatureHeader: "x-whoop-signature",
  timestampHeader: "x-whoop-signature-timestamp",
  verifySignature: verifyWhoopSignature,
  parseEvent: parseWhoopEvent,
};

// ---- Registry entry (workers/vendors/registry.ts) ----------------------------------------------

/** The Worker settings this adapter reads (validated in workers/env.ts). */
interface WhoopSettings {
  WHOOP_CLIENT_ID: string;
  WHOOP_CLIENT_SECRET: string;
  WHOOP_API_BASE: string;
  WHOOP_AUTHORIZE_URL: string;
  WHOOP_TOKEN_URL: string;
  WHOOP_CALLS_PER_MINUTE: number;
  WHOOP_CALLS_PER_DAY: number;
}

export const whoopAdapter: VendorAdapter<WhoopSettings> = {
  vendor: "whoop",
  webhook: whoopWebhookAdapter,
  webhookSecret: (config) => config.WHOOP_CLIENT_SECRET,
  apiBase: (config) => config.WHOOP_API_BASE,
  oauth: {
    app: (config) => ({
      clientId: config.WHOOP_CLIENT_ID, clientSecret: config.WHOOP_CLIENT_SECRET,
      authorizeUrl: config.WHOOP_AUTHORIZE_URL, tokenUrl: config.WHOOP_TOKEN_URL,
    }),
    scopes: "read:recovery read:cycles read:sleep read:workout read:profile offline",
    // WHOOP's refresh example sends scope=offline: without it no new refresh token comes back.
    refreshParams: { scope: "offline" },
  },
  accountId: async (api) => String((await fetchWhoopProfile(api)).user_id),
  revocation: (config, accessToken) => ({
    url: joinUrl(config.WHOOP_API_BASE, "/v2/user/access"),
    init: { method: "DELETE", headers: { authorization: `Bearer ${accessToken}` } },
  }),
  // WHOOP limits the whole application (docs/adr/0007): every isolate spends from one budget per app.
  callBudget: (config) => ({ key: `whoop:${config.WHOOP_CLIENT_ID}`, perMinute: config.WHOOP_CALLS_PER_MINUTE, perDay: config.WHOOP_CALLS_PER_DAY }),
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
      recovery_score: z.number().min(0).max(100).nullish().transform((v) => v ?? null),
      spo2_percentage: z.number().min(0).max(100).nullish().transform((v) => v ?? null),
      skin_temp_celsius: z.number().min(0).max(50).nullish().transform((v) => v ?? null),
      user_calibrating: z.boolean().nullish().transform((v) => v ?? null),
    })
    .nullish(),
});
export type WhoopRecovery = z.output<typeof whoopRecoverySchema>;

export function collectionOf<T extends z.ZodType>(record: T) {
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
 * One night from the non-nap sleeps that end on one date. WHOOP splits a night interrupted by a
 * long wake into two sleeps (both `nap: false`, one cycle): the night is their sum, from the first
 * start to the last end, so waking at 3 a.m. does not halve the night. Unscored segments add nothing.
 */
function mergedNight(date: string, segments: readonly WhoopSleep[]): SleepDay {
  const days = segments.map((segment) => ({ date, source: "whoop" as const, ...whoopSleepMetrics(segment) }));
  if (days.length === 1) return days[0]!;
  const sum = (pick: (day: SleepDay) => number | null) => {
    const values = days.map(pick).filter((value): value is number => value !== null);
    return values.length === 0 ? null : values.reduce((total, value) => total + value, 0);
  };
  const inBedMs = segments.reduce((total, s) => total + (s.score_state === "SCORED" && s.score ? s.score.stage_summary.total_in_bed_time_milli : 0), 0);
  const asleepS = sum((day) => day.total_sleep_s);
  return {
    date,
    source: "whoop",
    total_sleep_s: asleepS,
    deep_s: sum((day) => day.deep_s),
    light_s: sum((day) => day.light_s),
    rem_s: sum((day) => day.rem_s),
    awake_s: sum((day) => day.awake_s),
    efficiency_pct: asleepS === null || inBedMs === 0 ? null : Math.min(100, (100 * asleepS * 1000) / inBedMs),
    latency_s: null,
    bedtime_start: days.map((day) => day.bedtime_start).sort()[0]!,
    bedtime_end: days.map((day) => day.bedtime_end).sort().at(-1)!,
    avg_hrv_ms: null,
    lowest_hr_bpm: null,
  };
}

/** The night's recovery: the one WHOOP computed from any of its segments, else the one of their cycle. */
function recoveryOfNight(segments: readonly WhoopSleep[], recoveries: readonly WhoopRecovery[]): WhoopRecovery | undefined {
  const ids = new Set(segments.map((segment) => segment.id));
  const cycles = new Set(segments.map((segment) => segment.cycle_id));
  return recoveries.find((r) => ids.has(r.sleep_id)) ?? recoveries.find((r) => cycles.has(r.cycle_id));
}

/** WHOOP's own scores of a scored recovery, dated like its night. */
export function whoopRecoverySignals(recovery: WhoopRecovery, date: string): SignalDay | null {
  if (recovery.score_state !== "SCORED" || !recovery.score) return null;
  const score = recovery.score;
  return {
    date, source: "whoop", readiness_score: null, temperature_deviation_c: null,
    recovery_score: score.recovery_score === null ? null : Math.round(score.recovery_score),
    spo2_pct: score.spo2_percentage, skin_temp_c: score.skin_temp_celsius, user_calibrating: score.user_calibrating,
  };
}

/**
 * Maps sleeps and recoveries of a period (backfill, reconciliation, one rebuilt day). The non-nap
 * sleeps ending on a date make that date's night (merged when WHOOP split it), the longest of them
 * is the main session, and the night keeps its recovery whichever segment WHOOP computed it from.
 */
export function whoopNightsToCanonical(
  sleeps: readonly WhoopSleep[],
  recoveries: readonly WhoopRecovery[],
): CanonicalNights {
  const segmentsByDate = new Map<string, WhoopSleep[]>();
  for (const sleep of sleeps) {
    if (sleep.nap) continue;
    const date = whoopSleepDate(sleep);
    segmentsByDate.set(date, [...(segmentsByDate.get(date) ?? []), sleep]);
  }
  const span = (s: WhoopSleep) => Date.parse(s.end) - Date.parse(s.start);
  const result: CanonicalNights = { sessions: [], sleepDays: [], hrvDays: [], signalDays: [] };
  const mainIds = new Set<string>();
  for (const [date, segments] of segmentsByDate) {
    mainIds.add(segments.reduce((best, s) => (span(s) > span(best) ? s : best)).id);
    result.sleepDays.push(mergedNight(date, segments));
    const recovery = recoveryOfNight(segments, recoveries);
    const hrv = recovery ? whoopRecoveryToHrv(recovery, date) : null;
    if (hrv) result.hrvDays.push(hrv);
    const signals = recovery ? whoopRecoverySignals(recovery, date) : null;
    if (signals) result.signalDays!.push(signals);
  }
  for (const sleep of sleeps) result.sessions.push({ ...whoopSleepToCanonical(sleep).session, is_main: mainIds.has(sleep.id) });
  return result;
}

// ---- API reads ---------------------------------------------------------------------------------

const PAGE_LIMIT = "25"; // WHOOP's maximum page size

export function whoopGet<S extends z.ZodType>(api: VendorApi, resource: string, path: string, schema: S, query?: Record<string, string | undefined>) {
  return vendorGetJson(api, { vendor: "whoop", resource, path, query, schema });
}

export function fetchWhoopSleep(api: VendorApi, id: string): Promise<WhoopSleep> {
  return whoopGet(api, "sleep", `/v2/activity/sleep/${encodeURIComponent(id)}`, whoopSleepSchema);
}

export function fetchWhoopRecovery(api: VendorApi, cycleId: number): Promise<WhoopRecovery> {
  return whoopGet(api, "recovery", `/v2/cycle/${encodeURIComponent(String(cycleId))}/recovery`, whoopRecoverySchema);
}

/** `start`/`end` are RFC 3339 instants; WHOOP pages with `nextToken` in the query, `next_token` in the body. */
export function listWhoopSleep(api: VendorApi, start: string, end: string): Promise<WhoopSleep[]> {
  return listWhoop(api, "/v2/activity/sleep", "sleep list", whoopSleepCollectionSchema, start, end);
}

export function listWhoopRecovery(api: VendorApi, start: string, end: string): Promise<WhoopRecovery[]> {
  return listWhoop(api, "/v2/recovery", "recovery list", whoopRecoveryCollectionSchema, start, end);
}

export function listWhoop<T>(
  api: VendorApi,
  path: string,
  resource: string,
  schema: z.ZodType<{ records: T[]; next_token?: string | null | undefined }>,
  start: string,
  end: string,
): Promise<T[]> {
  return collectPages("whoop", resource, async (nextToken) => {
    const page = await whoopGet(api, resource, path, schema, { start, end, limit: PAGE_LIMIT, nextToken });
    return { items: page.records, nextToken: page.next_token };
  });
}

export function fetchWhoopProfile(api: VendorApi): Promise<WhoopProfile> {
  return whoopGet(api, "profile", "/v2/user/profile/basic", whoopProfileSchema);
}
