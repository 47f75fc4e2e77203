// GET /v1/me/trends?weeks=N: weekly HRV, resting HR, sleep and readiness means with their change
// against the four weeks before, and plain-language flags (an additive extension of CONTRACT §4).
// Read from the weekly rollup (trends_weekly), which the user's readiness object writes after each
// recompute; a week missing there (history stored before the rollup existed) is computed and stored
// by that object on the spot. Each week's HRV, resting HR and sleep come from one source each (among
// those with data in the week, the one with the most days in it and the four weeks before), and RMSSD
// and SDNN are never mixed.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, between, eq } from "drizzle-orm";
import { readinessClient } from "../../durable-objects/client";
import { trendsWeekly } from "../../db/schema";
import { todayIn } from "../lib/calendar";
import type { AppEnv } from "../lib/context";
import { TREND_METRICS } from "../readiness/trends";
import {
  lastSevenDayFlags, trendWeekItem, weekStartsEnding, type TrendWeekRecord,
} from "../readiness/trends-rollup";
import { auditRead } from "./biometrics";
import { errorResponse } from "../lib/errors";

export const MAX_TREND_WEEKS = 52;

const perMetric = <T extends z.ZodTypeAny>(schema: T) =>
  z.object(Object.fromEntries(TREND_METRICS.map((m) => [m, schema])) as Record<(typeof TREND_METRICS)[number], T>);
const metrics = perMetric(z.number().nullable());
const source = z.string().nullable();
export const trendWeekSchema = z.object({
  week_start: z.string().openapi({ example: "2026-01-26" }),
  week_end: z.string().openapi({ example: "2026-02-01" }),
  complete: z.boolean().openapi({ description: "false for the week holding the user's today" }),
  days: z.number().int(),
  hrv_metric: z.enum(["rmssd", "sdnn"]).nullable().openapi({ description: "what this week's hrv_ms is" }),
  sources: z.object({ hrv_ms: source, resting_hr_bpm: source, total_sleep_s: source })
    .openapi({ description: "the source each mean (and its change) came from: among those with data this week, the one with the most days in this week and the four before it" }),
  means: metrics.openapi({ description: "hrv_ms (the metric named by hrv_metric), resting_hr_bpm, total_sleep_s, readiness_score" }),
  counts: perMetric(z.number().int()).openapi({ description: "the days behind each mean" }),
  change_vs_previous_4_weeks: metrics,
  flags: z.array(z.string()).openapi({ description: "plain-language notes on this week's own 7 days", example: ["Under 7 hours of sleep 2 of the week's 7 nights"] }),
}).openapi("TrendWeek");

const trendsRoute = createRoute({
  method: "get",
  path: "/v1/me/trends",
  summary: "Weekly means of HRV, resting HR, sleep and readiness, with the change against the previous 4 weeks and plain-language flags",
  security: [{ bearerAuth: [] }],
  request: { query: z.object({ weeks: z.coerce.number().int().min(1).max(MAX_TREND_WEEKS).default(12).openapi({ example: 12 }) }) },
  responses: {
    200: {
      description: "the weeks ending with the current one, oldest first",
      content: { "application/json": { schema: z.object({
        hrv_metric: z.enum(["rmssd", "sdnn"]).nullable().openapi({ description: "the newest week's hrv_metric that is not null" }),
        weeks: z.array(trendWeekSchema),
        flags: z.array(z.string()).openapi({ example: ["HRV below your normal range 3 of the last 7 days"] }),
      }) } },
    },
    400: errorResponse(`weeks must be 1–${MAX_TREND_WEEKS}`),
    401: errorResponse("missing or invalid bearer token"),
  },
});

type StoredWeek = typeof trendsWeekly.$inferSelect;

function recordOf(row: StoredWeek): TrendWeekRecord {
  return {
    week_start: row.weekStart, week_end: row.weekEnd, days: row.days, hrv_metric: row.hrvMetric,
    sources: { hrv_ms: row.hrvSource, resting_hr_bpm: row.restingHrSource, total_sleep_s: row.sleepSource },
    means: { hrv_ms: row.hrvMs, resting_hr_bpm: row.restingHrBpm, total_sleep_s: row.totalSleepS, readiness_score: row.readinessScore },
    counts: { hrv_ms: row.hrvDays, resting_hr_bpm: row.restingHrDays, total_sleep_s: row.sleepDays, readiness_score: row.readinessDays },
    change_vs_previous_4_weeks: {
      hrv_ms: row.changeHrvMs, resting_hr_bpm: row.changeRestingHrBpm, total_sleep_s: row.changeTotalSleepS, readiness_score: row.changeReadinessScore,
    },
    hrv_below_band_dates: row.hrvBelowBandDates, short_sleep_dates: row.shortSleepDates, flags: row.flags,
    algorithm_version: row.algorithmVersion,
  };
}

export function registerTrendRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(trendsRoute, async (c) => {
    const { weeks } = c.req.valid("query");
    const user = c.get("user");
    const today = todayIn(user.timezone);
    // At least two weeks: the last 7 days' flags reach into the week before this one.
    const starts = weekStartsEnding(today, Math.max(weeks, 2));
    const { db } = c.get("database")();
    const rows = await db.select().from(trendsWeekly)
      .where(and(eq(trendsWeekly.userId, user.id), between(trendsWeekly.weekStart, starts[0]!, starts.at(-1)!)));
    const records = new Map(rows.map((row) => [row.weekStart, recordOf(row)]));
    const missing = starts.filter((start) => !records.has(start));
    if (missing.length > 0) {
      for (const record of (await readinessClient(c.env, user.id).computeTrendWeeks(user.id, missing, today)) ?? []) {
        records.set(record.week_start, record);
      }
    }
    await auditRead(c, "trends");
    const shown = starts.slice(-weeks).flatMap((start) => (records.has(start) ? [records.get(start)!] : []));
    return c.json({
      hrv_metric: [...shown].reverse().find((r) => r.hrv_metric !== null)?.hrv_metric ?? null,
      weeks: shown.map((record) => trendWeekItem(record, today)),
      flags: lastSevenDayFlags([...records.values()], today),
    }, 200);
  });
}
