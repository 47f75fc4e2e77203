// GET /v1/me/workouts?from=&to= (the same range rules as /v1/me/hrv): the vendors' workouts (Oura `workout`, WHOOP workouts), an
// additive extension of CONTRACT §4; dates are the local dates the workouts started on.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { VENDORS } from "../../db/sources";
import type { AppEnv } from "../lib/context";
import { auditRead, rangeErrors, rangeQuery, resolveRange, utc } from "./biometrics";

const workoutItem = z.object({
  id: z.string().openapi({ description: "the vendor's id of the workout" }),
  date: z.string().openapi({ example: "2026-01-30", description: "the local date the workout started on" }),
  source: z.enum(VENDORS),
  activity: z.string().openapi({ example: "running", description: "Oura `activity` or WHOOP `sport_name`" }),
  start: z.string().openapi({ format: "date-time" }),
  end: z.string().openapi({ format: "date-time" }),
  calories_kcal: z.number().nullable().openapi({ description: "energy spent (Oura calories; WHOOP kilojoules / 4.184)" }),
  distance_m: z.number().nullable(),
  intensity: z.string().nullable().openapi({ description: "Oura: easy, moderate or hard" }),
  recorded_by: z.string().nullable().openapi({ description: "Oura's source of the workout: manual, autodetected, confirmed or workout_heart_rate" }),
  label: z.string().nullable().openapi({ description: "Oura: the user's own label" }),
  strain: z.number().nullable().openapi({ description: "WHOOP: the workout's strain (0–21)" }),
  avg_hr_bpm: z.number().nullable().openapi({ description: "WHOOP: average heart rate" }),
  max_hr_bpm: z.number().nullable().openapi({ description: "WHOOP: highest heart rate" }),
  hr_zone_durations_s: z.array(z.number().int()).nullable().openapi({ description: "WHOOP: seconds in heart-rate zones 0 to 5" }),
  score_state: z.string().nullable().openapi({ description: "WHOOP: SCORED, PENDING_SCORE or UNSCORABLE (no scores until SCORED)" }),
}).openapi("Workout");

type WorkoutItem = z.infer<typeof workoutItem>;

const workoutsRoute = createRoute({
  method: "get",
  path: "/v1/me/workouts",
  summary: "Workouts from Oura and WHOOP, by start",
  security: [{ bearerAuth: [] }],
  request: { query: rangeQuery },
  responses: {
    200: { description: "workouts that started in the range, oldest first", content: { "application/json": { schema: z.object({ items: z.array(workoutItem) }) } } },
    ...rangeErrors,
  },
});

export function registerWorkoutRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(workoutsRoute, async (c) => {
    const { from, to } = resolveRange(c.req.valid("query"), c.get("user").timezone);
    const { rows } = await c.get("database")().db.execute<WorkoutItem>(sql`
      SELECT vendor_object_id AS id, to_char(date, 'YYYY-MM-DD') AS date, source, activity, ${utc("start_at")} AS start,
             ${utc("end_at")} AS "end", calories_kcal, distance_m, intensity, recorded_by, label, strain, avg_hr_bpm, max_hr_bpm,
             hr_zone_durations_s, score_state
        FROM workouts
       WHERE user_id = ${c.get("user").id} AND date BETWEEN ${from} AND ${to}
       ORDER BY start_at, source, vendor_object_id`);
    await auditRead(c, "workouts");
    return c.json({ items: rows }, 200);
  });
}
