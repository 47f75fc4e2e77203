// GET /v1/me/trends?weeks=N: weekly HRV, resting HR, sleep and readiness means with their change
// against the four weeks before, and plain-language flags (an additive extension of CONTRACT §4).
// Computed on read from the daily rows and snapshots; HRV, resting HR and sleep each come from one
// source (the one with the most days in the span), and RMSSD and SDNN are never mixed.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { addDays, todayIn } from "../lib/calendar";
import type { AppEnv } from "../lib/context";
import { errorResponse } from "../lib/errors";
import { PREVIOUS_WEEKS, TREND_METRICS, weekStart, weeklyTrends, type TrendDay } from "../readiness/trends";
import { auditRead } from "./biometrics";

export const MAX_TREND_WEEKS = 52;

const metrics = z.object(Object.fromEntries(TREND_METRICS.map((m) => [m, z.number().nullable()])) as Record<(typeof TREND_METRICS)[number], z.ZodNullable<z.ZodNumber>>);
const weekItem = z.object({
  week_start: z.string().openapi({ example: "2026-01-26" }),
  week_end: z.string().openapi({ example: "2026-02-01" }),
  complete: z.boolean(),
  days: z.number().int(),
  means: metrics.openapi({ description: "hrv_ms (the metric named by hrv_metric), resting_hr_bpm, total_sleep_s, readiness_score" }),
  change_vs_previous_4_weeks: metrics,
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
        hrv_metric: z.enum(["rmssd", "sdnn"]).nullable(),
        weeks: z.array(weekItem),
        flags: z.array(z.string()).openapi({ example: ["HRV below your normal range 3 of the last 7 days"] }),
      }) } },
    },
    400: errorResponse(`weeks must be 1–${MAX_TREND_WEEKS}`),
    401: errorResponse("missing or invalid bearer token"),
  },
});

type HrvRow = { date: string; source: string; rmssd_ms: number | null; sdnn_ms: number | null; resting_hr_bpm: number | null };
type SleepRow = { date: string; source: string; total_sleep_s: number | null };
type SnapshotRow = { date: string; score: number | null; below: boolean | null };

/** The key with the most rows (ties: the first seen in the rows' order, which is by source name). */
function mostCommon<T>(rows: readonly T[], key: (row: T) => string | null): string | null {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const k = key(row);
    if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [k, n] of counts) if (best === null || n > counts.get(best)!) best = k;
  return best;
}

export function trendDays(hrv: readonly HrvRow[], sleep: readonly SleepRow[], snapshots: readonly SnapshotRow[]): { metric: "rmssd" | "sdnn" | null; days: TrendDay[] } {
  const hrvKey = mostCommon(hrv, (r) => (r.rmssd_ms !== null ? `${r.source}:rmssd` : r.sdnn_ms !== null ? `${r.source}:sdnn` : null));
  const [hrvSource, metric] = (hrvKey?.split(":") ?? [null, null]) as [string | null, "rmssd" | "sdnn" | null];
  const restingSource = mostCommon(hrv, (r) => (r.resting_hr_bpm !== null ? r.source : null));
  const sleepSource = mostCommon(sleep, (r) => (r.total_sleep_s !== null ? r.source : null));
  const days = new Map<string, TrendDay>();
  const day = (date: string) => {
    if (!days.has(date)) days.set(date, { date, hrv_ms: null, resting_hr_bpm: null, total_sleep_s: null, readiness_score: null, hrv_below_band: null });
    return days.get(date)!;
  };
  for (const r of hrv) {
    if (r.source === hrvSource) day(r.date).hrv_ms = metric === "sdnn" ? r.sdnn_ms : r.rmssd_ms;
    if (r.source === restingSource && r.resting_hr_bpm !== null) day(r.date).resting_hr_bpm = r.resting_hr_bpm;
  }
  for (const r of sleep) if (r.source === sleepSource && r.total_sleep_s !== null) day(r.date).total_sleep_s = r.total_sleep_s;
  for (const r of snapshots) Object.assign(day(r.date), { readiness_score: r.score, hrv_below_band: r.below });
  return { metric, days: [...days.values()] };
}

export function registerTrendRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(trendsRoute, async (c) => {
    const { weeks } = c.req.valid("query");
    const user = c.get("user");
    const today = todayIn(user.timezone);
    const from = addDays(weekStart(today), -7 * (weeks + PREVIOUS_WEEKS - 1));
    const { db } = c.get("database")();
    const span = sql`user_id = ${user.id} AND date BETWEEN ${from} AND ${today}`;
    const hrv = await db.execute<HrvRow>(sql`SELECT to_char(date, 'YYYY-MM-DD') AS date, source, rmssd_ms, sdnn_ms, resting_hr_bpm
      FROM hrv_daily WHERE ${span} ORDER BY source, date`);
    const sleep = await db.execute<SleepRow>(sql`SELECT to_char(date, 'YYYY-MM-DD') AS date, source, total_sleep_s
      FROM sleep_daily WHERE ${span} ORDER BY source, date`);
    const snapshots = await db.execute<SnapshotRow>(sql`SELECT to_char(date, 'YYYY-MM-DD') AS date, score,
      ((components #>> '{hrv,last_night}')::float8 < (components #>> '{hrv,normal_band,low}')::float8) AS below
      FROM readiness_snapshots WHERE ${span} ORDER BY date`);
    await auditRead(c, "trends");
    const { metric, days } = trendDays(hrv.rows, sleep.rows, snapshots.rows);
    return c.json({ hrv_metric: metric, ...weeklyTrends(days, today, weeks) }, 200);
  });
}
