// Phone uploads (Apple Health, Health Connect): the `POST /v1/me/samples` body and daily aggregation.
import { z } from "zod";
import { PHONE_SOURCES } from "../../db/sources";
import { appleHealth } from "./apple-health";
import { acceptedInstants, instantOutOfRange } from "../lib/accepted-times";
import { addDays, localDate, toUtcIso } from "../lib/calendar";
import { healthConnect } from "./health-connect";
import type { HrvDay, PhoneSource, PhoneSourceProfile, SleepDay } from "./types";

export const PHONE_SAMPLES_MAX = 5000;

export const SLEEP_STAGES = ["in_bed", "awake", "light", "deep", "rem", "asleep_unspecified"] as const;
export type SleepStage = (typeof SLEEP_STAGES)[number];

// A sample longer than a day is a device or app error, and would stretch a night over several dates.
const MAX_SAMPLE_SPAN_MS = 24 * 3_600_000;

const instant = z.iso.datetime({ offset: true });
const absent = z.null().optional();
const common = {
  // Apple and Health Connect ids are UUIDs; the pattern only keeps the key safe to store and log.
  uuid: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/),
  start: instant,
  end: instant,
  unit: z.string().max(32).nullish(),
};

const phoneSampleInput = z
  .discriminatedUnion("type", [
    z.object({ ...common, type: z.enum(["hrv_sdnn", "hrv_rmssd"]), value: z.number().positive().max(1000), stage: absent }),
    z.object({ ...common, type: z.literal("resting_hr"), value: z.number().positive().max(300), stage: absent }),
    z.object({ ...common, type: z.literal("sleep_stage"), value: absent, stage: z.enum(SLEEP_STAGES) }),
  ])
  .superRefine((sample, ctx) => {
    const window = acceptedInstants();
    for (const field of ["start", "end"] as const) {
      const outside = instantOutOfRange(Date.parse(sample[field]), window);
      if (outside) ctx.addIssue({ code: "custom", path: [field], message: `${field} ${outside}` });
    }
    const span = Date.parse(sample.end) - Date.parse(sample.start);
    if (span < 0) ctx.addIssue({ code: "custom", path: ["end"], message: "end is before start" });
    if (span > MAX_SAMPLE_SPAN_MS) ctx.addIssue({ code: "custom", path: ["end"], message: "sample spans more than 24 hours" });
  });

/** Minutes east of UTC written on a time ("+02:00" → 120); null for "Z", which says nothing of the wall clock. */
export function uploadedOffsetMinutes(time: string): number | null {
  const match = /([+-])(\d{2}):?(\d{2})$/.exec(time);
  if (!match) return null;
  return (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}

export const phoneSampleSchema = phoneSampleInput.transform((sample) => ({
  uuid: sample.uuid,
  type: sample.type,
  start: toUtcIso(sample.start),
  end: toUtcIso(sample.end),
  value: sample.value ?? null,
  unit: sample.unit ?? null,
  stage: sample.stage ?? null,
  // Kept so the sample is dated on the wall clock it was recorded on, not the profile's later zone.
  utc_offset_min: uploadedOffsetMinutes(sample.end),
}));
export type PhoneSample = z.output<typeof phoneSampleSchema>;
export type PhoneSampleType = PhoneSample["type"];

const PHONE_PROFILES: Record<PhoneSource, PhoneSourceProfile> = {
  apple_health: appleHealth,
  health_connect: healthConnect,
};

/** The batch envelope; samples are checked one by one so the first bad index can be reported. */
const phoneBatchEnvelope = z.object({
  source: z.enum(PHONE_SOURCES),
  samples: z.array(z.unknown()).min(1),
});

export interface PhoneBatch {
  source: PhoneSource;
  samples: PhoneSample[];
}

export type PhoneBatchCheck =
  | { ok: true; batch: PhoneBatch }
  | { ok: false; reason: "too_many_samples"; message: string }
  | { ok: false; reason: "invalid"; index: number | null; message: string };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

/** All-or-nothing check of an upload; `index` names the first offending sample. */
export function validatePhoneBatch(json: unknown): PhoneBatchCheck {
  const envelope = phoneBatchEnvelope.safeParse(json);
  if (!envelope.success) return { ok: false, reason: "invalid", index: null, message: describeIssues(envelope.error) };
  const { source, samples: raw } = envelope.data;
  if (raw.length > PHONE_SAMPLES_MAX) {
    return { ok: false, reason: "too_many_samples", message: `at most ${PHONE_SAMPLES_MAX} samples per request` };
  }
  const { hrvType } = PHONE_PROFILES[source];
  const samples: PhoneSample[] = [];
  for (const [index, item] of raw.entries()) {
    const parsed = phoneSampleSchema.safeParse(item);
    if (!parsed.success) {
      return { ok: false, reason: "invalid", index, message: `sample ${index}: ${describeIssues(parsed.error)}` };
    }
    const { type } = parsed.data;
    if ((type === "hrv_sdnn" || type === "hrv_rmssd") && type !== hrvType) {
      return { ok: false, reason: "invalid", index, message: `sample ${index}: ${source} reports HRV as ${hrvType}` };
    }
    samples.push(parsed.data);
  }
  return { ok: true, batch: { source, samples } };
}

// ---- Daily aggregation -------------------------------------------------------------------------

/** A sample as stored: the upload's sample with the batch's source (offset unknown for old rows). */
export type StoredPhoneSample = Omit<PhoneSample, "utc_offset_min"> & { source: PhoneSource; utc_offset_min?: number | null };

/** The calendar date of an instant: on the clock the phone recorded it with, else in `timeZone`. */
function sampleDate(instantMs: number, offsetMin: number | null | undefined, timeZone: string): string {
  if (offsetMin === null || offsetMin === undefined) return localDate(instantMs, timeZone);
  return new Date(instantMs + offsetMin * 60_000).toISOString().slice(0, 10);
}

/**
 * HRV and resting HR readings belong to the night whose sleep window holds their end, give or take
 * this margin (a reading taken just after waking, before the watch wrote the last stage).
 */
export const NIGHT_WINDOW_MARGIN_MS = 30 * 60_000;

/**
 * Stage samples closer than this belong to one night. Long enough to bridge a spell awake that the
 * device did not record, short enough to keep an evening doze or an afternoon nap apart.
 */
export const NIGHT_GAP_MS = 90 * 60_000;

/**
 * When two devices record the same minutes (watch and phone both write to Apple Health), the most
 * specific stage wins so time is counted once; an unspecified "asleep" yields to any named stage.
 */
const STAGE_PRIORITY: readonly SleepStage[] = ["deep", "rem", "light", "awake", "asleep_unspecified"];

interface Interval {
  startMs: number;
  endMs: number;
  stage: SleepStage;
  offsetMin?: number | null;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const mean = (values: number[]) => round1(values.reduce((a, b) => a + b, 0) / values.length);

/** Milliseconds per stage with overlaps resolved, and the union of in-bed time. */
function stageDurations(intervals: readonly Interval[]): { byStage: Map<SleepStage, number>; inBedMs: number } {
  const events = intervals.flatMap((i) => [
    { at: i.startMs, stage: i.stage, delta: 1 },
    { at: i.endMs, stage: i.stage, delta: -1 },
  ]);
  events.sort((a, b) => a.at - b.at);
  const active = new Map<SleepStage, number>();
  const byStage = new Map<SleepStage, number>();
  let inBedMs = 0;
  let previous = events[0]?.at ?? 0;
  for (const event of events) {
    const elapsed = event.at - previous;
    if (elapsed > 0) {
      const winner = STAGE_PRIORITY.find((stage) => (active.get(stage) ?? 0) > 0);
      if (winner) byStage.set(winner, (byStage.get(winner) ?? 0) + elapsed);
      if ((active.get("in_bed") ?? 0) > 0) inBedMs += elapsed;
    }
    active.set(event.stage, (active.get(event.stage) ?? 0) + event.delta);
    previous = event.at;
  }
  return { byStage, inBedMs };
}

/** Splits stage samples into nights: runs of samples with no gap longer than NIGHT_GAP_MS. */
function splitNights(intervals: Interval[]): Interval[][] {
  const sorted = [...intervals].sort((a, b) => a.startMs - b.startMs);
  const nights: Interval[][] = [];
  let current: Interval[] = [];
  let currentEnd = -Infinity;
  for (const interval of sorted) {
    if (current.length > 0 && interval.startMs > currentEnd + NIGHT_GAP_MS) {
      nights.push(current);
      current = [];
    }
    current.push(interval);
    currentEnd = current.length === 1 ? interval.endMs : Math.max(currentEnd, interval.endMs);
  }
  if (current.length > 0) nights.push(current);
  return nights;
}

function nightToSleepDay(night: Interval[], source: PhoneSource, timeZone: string): SleepDay | null {
  const { byStage, inBedMs } = stageDurations(night);
  const sec = (stage: SleepStage) => Math.round((byStage.get(stage) ?? 0) / 1000);
  const asleepS = sec("light") + sec("deep") + sec("rem") + sec("asleep_unspecified");
  if (asleepS === 0) return null;
  // Without any named stage the device did not stage the night: unknown, not zero.
  const staged = night.some((i) => i.stage === "light" || i.stage === "deep" || i.stage === "rem");
  const startMs = Math.min(...night.map((i) => i.startMs));
  const last = night.reduce((a, b) => (b.endMs > a.endMs ? b : a));
  const endMs = last.endMs;
  return {
    date: sampleDate(endMs, last.offsetMin, timeZone),
    source,
    total_sleep_s: asleepS,
    deep_s: staged ? sec("deep") : null,
    light_s: staged ? sec("light") : null,
    rem_s: staged ? sec("rem") : null,
    awake_s: sec("awake"),
    efficiency_pct: inBedMs > 0 ? Math.min(100, round1((asleepS * 1000 * 100) / inBedMs)) : null,
    latency_s: null,
    bedtime_start: new Date(startMs).toISOString(),
    bedtime_end: new Date(endMs).toISOString(),
    avg_hrv_ms: null,
    lowest_hr_bpm: null,
  };
}

function phoneSleepDays(samples: readonly StoredPhoneSample[], source: PhoneSource, timeZone: string): SleepDay[] {
  const intervals: Interval[] = [];
  for (const s of samples) {
    if (s.type === "sleep_stage" && s.stage) {
      intervals.push({ startMs: Date.parse(s.start), endMs: Date.parse(s.end), stage: s.stage, offsetMin: s.utc_offset_min });
    }
  }
  // A date keeps its longest night; shorter sleeps ending the same day are naps.
  const byDate = new Map<string, SleepDay>();
  for (const night of splitNights(intervals)) {
    const day = nightToSleepDay(night, source, timeZone);
    const current = day && byDate.get(day.date);
    if (day && (!current || (day.total_sleep_s ?? 0) > (current.total_sleep_s ?? 0))) byDate.set(day.date, day);
  }
  return [...byDate.values()];
}

type Readings = Record<"hrv_sdnn" | "hrv_rmssd" | "resting_hr", number[]>;
const noReadings = (): Readings => ({ hrv_sdnn: [], hrv_rmssd: [], resting_hr: [] });

/**
 * HRV and resting HR of each night. A reading counts for the night (the day's main sleep, as in
 * `phoneSleepDays`) whose window holds its end: daytime spot readings (a Breathe session, a reading
 * after a workout) stay stored samples but never feed the night. Two fallbacks keep data that has no
 * night to belong to: a source that uploads no sleep at all is read by calendar day, and a date
 * whose night holds no resting HR takes the day's value (Apple writes one resting HR a day).
 */
function phoneHrvDays(samples: readonly StoredPhoneSample[], nights: readonly SleepDay[], source: PhoneSource, timeZone: string): HrvDay[] {
  const windows = nights.map((n) => ({ date: n.date, fromMs: Date.parse(n.bedtime_start), toMs: Date.parse(n.bedtime_end) + NIGHT_WINDOW_MARGIN_MS }));
  const inNight = new Map<string, Readings>();
  const byDay = new Map<string, Readings>();
  for (const s of samples) {
    if (s.type === "sleep_stage" || s.value === null) continue;
    const endMs = Date.parse(s.end);
    const day = sampleDate(endMs, s.utc_offset_min, timeZone);
    byDay.set(day, byDay.get(day) ?? noReadings());
    byDay.get(day)![s.type].push(s.value);
    const night = windows.find((w) => endMs >= w.fromMs && endMs <= w.toMs);
    if (!night) continue;
    inNight.set(night.date, inNight.get(night.date) ?? noReadings());
    inNight.get(night.date)![s.type].push(s.value);
  }
  const rows = new Map<string, HrvDay>();
  const avg = (values: number[] | undefined) => (values && values.length ? mean(values) : null);
  const dates = nights.length === 0 ? [...byDay.keys()] : [...new Set([...inNight.keys(), ...byDay.keys()])];
  for (const date of dates) {
    const night = nights.length === 0 ? byDay.get(date) : inNight.get(date);
    const row = {
      date, source,
      rmssd_ms: avg(night?.hrv_rmssd), sdnn_ms: avg(night?.hrv_sdnn),
      resting_hr_bpm: avg(night?.resting_hr) ?? avg(byDay.get(date)?.resting_hr),
    };
    if (row.rmssd_ms !== null || row.sdnn_ms !== null || row.resting_hr_bpm !== null) rows.set(date, row);
  }
  return [...rows.values()];
}

/**
 * Daily rows from phone samples, to be called with every stored sample of the affected days (see
 * `phoneSampleWindow`) so a day is always recomputed whole and a re-upload changes nothing.
 * A night belongs to the date on which it ends, on the clock the phone wrote on its times (in
 * `timeZone` when the upload gave "Z"); HRV and resting HR readings to the night whose window holds
 * them (see `phoneHrvDays`). Pass `onlyDates` to keep just the rows whose samples were all loaded.
 */
export function aggregatePhoneDays(
  samples: readonly StoredPhoneSample[],
  timeZone: string,
  onlyDates?: Iterable<string>,
): { sleepDays: SleepDay[]; hrvDays: HrvDay[] } {
  const unique = [...new Map(samples.map((s) => [`${s.source}:${s.uuid}`, s])).values()];
  const keep = onlyDates ? new Set(onlyDates) : null;
  const sleepDays: SleepDay[] = [];
  const hrvDays: HrvDay[] = [];
  for (const source of PHONE_SOURCES) {
    const ofSource = unique.filter((s) => s.source === source);
    if (ofSource.length === 0) continue;
    const nights = phoneSleepDays(ofSource, source, timeZone);
    sleepDays.push(...nights);
    hrvDays.push(...phoneHrvDays(ofSource, nights, source, timeZone));
  }
  const wanted = <T extends { date: string }>(row: T) => !keep || keep.has(row.date);
  const byDate = <T extends { date: string; source: string }>(a: T, b: T) =>
    a.date.localeCompare(b.date) || a.source.localeCompare(b.source);
  return { sleepDays: sleepDays.filter(wanted).sort(byDate), hrvDays: hrvDays.filter(wanted).sort(byDate) };
}

/**
 * The dates whose rows new samples can change. A stage sample can extend a night that ends on a
 * later date or join a night that ended up to NIGHT_GAP_MS before it, so its neighbours count too.
 */
export function affectedPhoneDates(samples: readonly (Omit<PhoneSample, "utc_offset_min"> & { utc_offset_min?: number | null })[], timeZone: string): string[] {
  const dates = new Set<string>();
  for (const s of samples) {
    const endDate = localDate(Date.parse(s.end), timeZone);
    const ownDate = sampleDate(Date.parse(s.end), s.utc_offset_min, timeZone);
    dates.add(endDate);
    dates.add(ownDate);
    // A reading late in the evening belongs to the night that ends the next morning.
    dates.add(addDays(ownDate > endDate ? ownDate : endDate, 1));
    if (s.type !== "sleep_stage") continue;
    let date = localDate(Date.parse(s.start) - NIGHT_GAP_MS, timeZone);
    while (date < endDate) {
      dates.add(date);
      date = addDays(date, 1);
    }
    dates.add(addDays(endDate, 1));
  }
  return [...dates].sort();
}

/**
 * UTC bounds of the samples to load (by `end`, from inclusive, to exclusive) before re-aggregating
 * `dates`: two days either side covers every time-zone offset and a night begun the evening before.
 */
export function phoneSampleWindow(dates: readonly string[]): { from: string; to: string } {
  if (dates.length === 0) throw new RangeError("no dates");
  const sorted = [...dates].sort();
  return {
    from: `${addDays(sorted[0] as string, -2)}T00:00:00.000Z`,
    to: `${addDays(sorted[sorted.length - 1] as string, 2)}T00:00:00.000Z`,
  };
}
