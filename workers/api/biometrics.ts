// Routes: hrv and sleep ranges (CONTRACT §4), and the date-range and read-audit rules that every
// biometric read of the mobile API shares.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { sql } from "drizzle-orm";
import { SOURCES } from "../../db/sources";
import { auditOutbox } from "../../durable-objects/client";
import { ACCEPTED_PAST_YEARS, isAcceptedDate } from "../lib/accepted-times";
import type { TimedAuditEntry } from "../lib/audit";
import { addDays, daysBetween, isCalendarDate, todayIn } from "../lib/calendar";
import type { AppEnv } from "../lib/context";
import { ApiError, errorResponse } from "../lib/errors";
import { auditReadLater, auditReadNow } from "../lib/read-audit";

export const MAX_RANGE_DAYS = 366;
const DEFAULT_RANGE_DAYS = 30;


export const calendarDate = z.string()
  .refine(isCalendarDate, { message: "must be a real date YYYY-MM-DD" })
  .refine((date) => isAcceptedDate(date), { message: `must be within the last ${ACCEPTED_PAST_YEARS} years and not after tomorrow` });

export const rangeQuery = z.object({
  from: calendarDate.optional().openapi({
    description: "First date, inclusive (user's calendar). Default: 29 days before `to`.",
    example: "2026-01-01",
  }),
  to: calendarDate.optional().openapi({
    description: `Last date, inclusive. Default: the user's today. At most ${MAX_RANGE_DAYS} days after \`from\`.`,
    example: "2026-01-30",
  }),
});

/** The inclusive range asked for, with defaults in the user's time zone; 400 when it is not a valid range. */
export function resolveRange(query: z.infer<typeof rangeQuery>, timeZone: string): { from: string; to: string } {
  const to = query.to ?? todayIn(timeZone);
  const from = query.from ?? addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  if (from > to) throw new ApiError("BAD_REQUEST", "from must not be after to");
  if (daysBetween(from, to) + 1 > MAX_RANGE_DAYS) {
    throw new ApiError("BAD_REQUEST", `a range spans at most ${MAX_RANGE_DAYS} days`);
  }
  return { from, to };
}

/** The audit row of a read of the user's biometric data, as of now: what was read, never values. */
function readEntry(c: Context<AppEnv>, resource: string): TimedAuditEntry {
  const { auditRef } = c.get("user");
  return { at: new Date().toISOString(), actorRef: auditRef, action: "read", subjectRef: auditRef, resource, requestId: c.get("requestId") };
}

/**
 * Writes the read's audit row before the answer, through the one read-audit path (lib/read-audit.ts):
 * when Postgres is unreachable (a read served from the readiness cache), the user's Durable Object
 * keeps the row and writes it later; if that fails too, the read fails rather than go unaudited.
 */
export async function auditRead(c: Context<AppEnv>, resource: string): Promise<void> {
  await auditReadNow(c.get("database")().db, auditOutbox(c.env), c.get("user").id, readEntry(c, resource), c.get("log"));
}

/** A read answered from a cache: its row joins the isolate's next batch insert, about a second later. */
export function auditCachedRead(c: Context<AppEnv>, resource: string): void {
  auditReadLater(auditOutbox(c.env), c.get("config"), c.get("user").id, readEntry(c, resource), (work) => c.executionCtx.waitUntil(work));
}

const source = z.enum(SOURCES);

const hrvItem = z.object({
  date: z.string().openapi({ example: "2026-01-30" }),
  source,
  rmssd_ms: z.number().nullable(),
  sdnn_ms: z.number().nullable(),
  resting_hr_bpm: z.number().nullable(),
}).openapi("HrvDay");

const sleepItem = z.object({
  date: z.string().openapi({ example: "2026-01-30" }),
  source,
  total_sleep_s: z.number().int().nullable(),
  deep_s: z.number().int().nullable(),
  light_s: z.number().int().nullable(),
  rem_s: z.number().int().nullable(),
  awake_s: z.number().int().nullable(),
  efficiency_pct: z.number().nullable(),
  latency_s: z.number().int().nullable(),
  bedtime_start: z.string().nullable().openapi({ format: "date-time" }),
  bedtime_end: z.string().nullable().openapi({ format: "date-time" }),
  avg_hrv_ms: z.number().nullable(),
  lowest_hr_bpm: z.number().nullable(),
  short_night: z.boolean().openapi({
    description: "the night was under 3 h (Oura: the day's longest period was a `sleep`, not a `long_sleep`)",
  }),
}).openapi("SleepDay");

type HrvItem = z.infer<typeof hrvItem>;
type SleepItem = z.infer<typeof sleepItem>;

export const rangeErrors = {
  400: errorResponse(`invalid date, from after to, or a range over ${MAX_RANGE_DAYS} days`),
  401: errorResponse("missing or invalid bearer token"),
};

const hrvRoute = createRoute({
  method: "get",
  path: "/v1/me/hrv",
  summary: "Daily HRV and resting heart rate, one row per date and source",
  security: [{ bearerAuth: [] }],
  request: { query: rangeQuery },
  responses: {
    200: { description: "rows in the range, by date then source", content: { "application/json": { schema: z.object({ items: z.array(hrvItem) }) } } },
    ...rangeErrors,
  },
});

const sleepRoute = createRoute({
  method: "get",
  path: "/v1/me/sleep",
  summary: "Daily sleep (the main night of each date), one row per date and source",
  security: [{ bearerAuth: [] }],
  request: { query: rangeQuery },
  responses: {
    200: { description: "rows in the range, by date then source", content: { "application/json": { schema: z.object({ items: z.array(sleepItem) }) } } },
    ...rangeErrors,
  },
});

/** An instant column as RFC 3339 UTC with milliseconds. */
export const utc = (column: string) => sql.raw(`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

export function registerBiometricRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(hrvRoute, async (c) => {
    const { from, to } = resolveRange(c.req.valid("query"), c.get("user").timezone);
    const { rows } = await c.get("database")().db.execute<HrvItem>(sql`
      SELECT to_char(date, 'YYYY-MM-DD') AS date, source, rmssd_ms, sdnn_ms, resting_hr_bpm
        FROM hrv_daily
       WHERE user_id = ${c.get("user").id} AND date BETWEEN ${from} AND ${to}
       ORDER BY date, source`);
    await auditRead(c, "hrv_daily");
    return c.json({ items: rows }, 200);
  });

  app.openapi(sleepRoute, async (c) => {
    const { from, to } = resolveRange(c.req.valid("query"), c.get("user").timezone);
    const { rows } = await c.get("database")().db.execute<SleepItem>(sql`
      SELECT to_char(date, 'YYYY-MM-DD') AS date, source, total_sleep_s, deep_s, light_s, rem_s, awake_s,
             efficiency_pct, latency_s, ${utc("bedtime_start")} AS bedtime_start, ${utc("bedtime_end")} AS bedtime_end,
             avg_hrv_ms, lowest_hr_bpm, short_night
        FROM sleep_daily
       WHERE user_id = ${c.get("user").id} AND date BETWEEN ${from} AND ${to}
       ORDER BY date, source`);
    await auditRead(c, "sleep_daily");
    return c.json({ items: rows }, 200);
  });
}
