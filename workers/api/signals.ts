// GET /v1/me/signals: the vendors' own daily scores beside the nights (an additive extension of
// CONTRACT §4): Oura's readiness score, temperature deviation and daily sleep score, WHOOP's recovery
// score, SpO2, skin temperature, calibration state and day strain, one row per date and source.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { VENDORS } from "../../db/sources";
import type { AppEnv } from "../lib/context";
import { auditRead, rangeErrors, rangeQuery, resolveRange } from "./biometrics";

const signalItem = z.object({
  date: z.string().openapi({ example: "2026-01-30" }),
  source: z.enum(VENDORS),
  readiness_score: z.number().int().nullable().openapi({ description: "Oura's readiness score of the day (0–100)" }),
  temperature_deviation_c: z.number().nullable().openapi({ description: "Oura: skin temperature deviation from the usual, °C" }),
  recovery_score: z.number().int().nullable().openapi({ description: "WHOOP's recovery score (0–100)" }),
  spo2_pct: z.number().nullable().openapi({ description: "WHOOP: blood oxygen during the night, %" }),
  skin_temp_c: z.number().nullable().openapi({ description: "WHOOP: skin temperature during the night, °C" }),
  user_calibrating: z.boolean().nullable().openapi({ description: "WHOOP is still learning the user's baselines" }),
  sleep_score: z.number().int().nullable().openapi({ description: "Oura's daily sleep score (0–100)" }),
  sleep_score_contributors: z.record(z.string(), z.number().nullable()).nullable().openapi({
    description: "Oura: the sleep score's contributors as Oura names them (deep_sleep, efficiency, latency, rem_sleep, restfulness, timing, total_sleep), each 0–100",
    example: { deep_sleep: 77, efficiency: 91, latency: 84, rem_sleep: 85, restfulness: 70, timing: 90, total_sleep: 88 },
  }),
  strain: z.number().nullable().openapi({ description: "WHOOP: the day's strain (0–21) from its physiological cycle" }),
  cycle_calories_kcal: z.number().nullable().openapi({ description: "WHOOP: energy spent over the cycle, kcal (WHOOP's kilojoules / 4.184)" }),
  cycle_avg_hr_bpm: z.number().nullable().openapi({ description: "WHOOP: average heart rate over the cycle" }),
  cycle_max_hr_bpm: z.number().nullable().openapi({ description: "WHOOP: highest heart rate over the cycle" }),
}).openapi("SignalDay");

type SignalItem = z.infer<typeof signalItem>;

const signalsRoute = createRoute({
  method: "get",
  path: "/v1/me/signals",
  summary: "The vendors' own daily scores (Oura readiness and sleep score, WHOOP recovery, strain, SpO2, skin temperature), one row per date and source",
  security: [{ bearerAuth: [] }],
  request: { query: rangeQuery },
  responses: {
    200: { description: "rows in the range, by date then source", content: { "application/json": { schema: z.object({ items: z.array(signalItem) }) } } },
    ...rangeErrors,
  },
});

export function registerSignalRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(signalsRoute, async (c) => {
    const { from, to } = resolveRange(c.req.valid("query"), c.get("user").timezone);
    const { rows } = await c.get("database")().db.execute<SignalItem>(sql`
      SELECT to_char(date, 'YYYY-MM-DD') AS date, source, readiness_score, temperature_deviation_c, recovery_score,
             spo2_pct, skin_temp_c, user_calibrating, sleep_score, sleep_score_contributors, strain,
             cycle_calories_kcal, cycle_avg_hr_bpm, cycle_max_hr_bpm
        FROM daily_signals
       WHERE user_id = ${c.get("user").id} AND date BETWEEN ${from} AND ${to}
       ORDER BY date, source`);
    await auditRead(c, "daily_signals");
    return c.json({ items: rows }, 200);
  });
}
