// Routes: phone uploads POST /v1/me/samples (CONTRACT §4). A batch is all-or-nothing: validated
// whole before anything is written, then stored, re-aggregated into daily rows and audited in one
// transaction.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { Context } from "hono";
import { PHONE_SOURCES } from "../../db/sources";
import { audit } from "../lib/audit";
import type { AppEnv, RequestUser } from "../lib/context";
import type { Database } from "../lib/db";
import { upsertHrvDays, upsertSleepDays } from "../lib/daily-rows";
import { ApiError, errorResponse } from "../lib/errors";
import { AffectedDays, sendChangedDays } from "../lib/insights-queue";
import {
  affectedPhoneDates, aggregatePhoneDays, PHONE_SAMPLES_MAX, phoneSampleSchema, phoneSampleWindow, validatePhoneBatch,
  type PhoneBatch, type StoredPhoneSample,
} from "../vendors/phone-samples";
import { limitBody } from "../lib/body-limit";

/** 5,000 samples of at most ~350 bytes each, with room for pretty-printed JSON. */
export const SAMPLES_BODY_MAX_BYTES = 4 * 1024 * 1024;

// Documentation only: the body is checked by validatePhoneBatch, which names the offending index.
const { $schema: _unused, ...batchJsonSchema } = z.toJSONSchema(
  z.object({
    source: z.enum(PHONE_SOURCES),
    samples: z.array(phoneSampleSchema).min(1).max(PHONE_SAMPLES_MAX),
  }),
  { io: "input" },
);

const uploadRoute = createRoute({
  method: "post",
  path: "/v1/me/samples",
  summary: "Upload phone samples (Apple Health: SDNN; Health Connect: RMSSD), at most 5,000 a request",
  description:
    "All-or-nothing: one invalid sample refuses the batch with 400 and `error.details.index`. Re-posting a sample " +
    "(same `uuid`) counts it under `duplicates`. The affected days' daily rows are recomputed from every stored sample.",
  security: [{ bearerAuth: [] }],
  middleware: [limitBody(SAMPLES_BODY_MAX_BYTES)] as const,
  request: { body: { required: true, content: { "application/json": { schema: batchJsonSchema as never } } } },
  responses: {
    202: {
      description: "stored: `accepted` samples were new, `duplicates` were already held",
      content: { "application/json": { schema: z.object({ accepted: z.number().int(), duplicates: z.number().int() }) } },
    },
    400: errorResponse("malformed body or an invalid sample (its index in error.details.index); nothing stored"),
    401: errorResponse("missing or invalid bearer token"),
    413: errorResponse("more than 5,000 samples, or a body over 4 MiB"),
    415: errorResponse("body is not JSON"),
  },
});

async function readBatch(c: Context<AppEnv>): Promise<PhoneBatch> {
  const contentType = c.req.header("content-type") ?? "";
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "send application/json");
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw new ApiError("BAD_REQUEST", "body is not valid JSON");
  }
  const check = validatePhoneBatch(json);
  if (check.ok) return check.batch;
  if (check.reason === "too_many_samples") throw new ApiError("PAYLOAD_TOO_LARGE", check.message);
  throw new ApiError("BAD_REQUEST", check.message, {}, check.index === null ? undefined : { details: { index: check.index } });
}

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** Inserts the new samples in one statement; the count of rows it wrote is `accepted`. */
async function insertSamples(tx: Tx, userId: string, batch: PhoneBatch): Promise<number> {
  const rows = batch.samples.map((s) => ({
    uuid: s.uuid, type: s.type, start_at: s.start, end_at: s.end, value: s.value, unit: s.unit, stage: s.stage, utc_offset_min: s.utc_offset_min,
  }));
  const result = await tx.execute<{ inserted: number }>(sql`
    WITH inserted AS (
      INSERT INTO phone_samples (user_id, uuid, source, type, start_at, end_at, value, unit, stage, utc_offset_min)
      SELECT ${userId}, s.uuid, ${batch.source}, s.type, s.start_at, s.end_at, s.value, s.unit, s.stage, s.utc_offset_min
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS s(uuid text, type text, start_at timestamptz, end_at timestamptz, value double precision, unit text, stage text, utc_offset_min smallint)
      ON CONFLICT (user_id, uuid, start_at) DO NOTHING
      RETURNING 1
    )
    SELECT count(*)::int AS inserted FROM inserted`);
  return result.rows[0]!.inserted;
}

/**
 * Recomputes the daily rows of `dates` from every stored sample of the source around them, so a day
 * is always rebuilt whole. A row whose night merged into a neighbouring date's is removed.
 */
export async function reaggregateDays(tx: Tx, user: Pick<RequestUser, "id" | "timezone">, batch: Pick<PhoneBatch, "source">, dates: string[]): Promise<void> {
  const window = phoneSampleWindow(dates);
  const stored = await tx.execute<Omit<StoredPhoneSample, "source">>(sql`
    SELECT uuid, type, to_json(start_at) #>> '{}' AS start, to_json(end_at) #>> '{}' AS "end", value, unit, stage, utc_offset_min
    FROM phone_samples
    WHERE user_id = ${user.id} AND source = ${batch.source} AND end_at >= ${window.from} AND end_at < ${window.to}`);
  const samples = stored.rows.map((row) => ({ ...row, source: batch.source }));
  const { sleepDays, hrvDays } = aggregatePhoneDays(samples, user.timezone, dates);
  await upsertSleepDays(tx, user.id, sleepDays);
  await upsertHrvDays(tx, user.id, hrvDays);
  const datesArray = (values: string[]) => sql`ARRAY[${sql.join(values.map((d) => sql`${d}`), sql`, `)}]::date[]`;
  const keep = (kept: string[]) => (kept.length ? sql`AND NOT (date = ANY(${datesArray(kept)}))` : sql``);
  await tx.execute(sql`DELETE FROM sleep_daily WHERE user_id = ${user.id} AND source = ${batch.source}
    AND date = ANY(${datesArray(dates)}) ${keep(sleepDays.map((d) => d.date))}`);
  await tx.execute(sql`DELETE FROM hrv_daily WHERE user_id = ${user.id} AND source = ${batch.source}
    AND date = ANY(${datesArray(dates)}) ${keep(hrvDays.map((d) => d.date))}`);
}

export function registerSampleRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(uploadRoute, async (c) => {
    const batch = await readBatch(c);
    const user = c.get("user");
    const { db } = c.get("database")();
    // Every date the batch touches is rebuilt, re-posts included: a retry after a failed recompute
    // request then repairs it.
    const dates = affectedPhoneDates(batch.samples, user.timezone);
    const accepted = await db.transaction(async (tx: Tx): Promise<number> => {
      const inserted = await insertSamples(tx, user.id, batch);
      await reaggregateDays(tx, user, batch, dates);
      await audit(tx, {
        actorRef: user.auditRef, action: "upload", subjectRef: user.auditRef, resource: `phone_samples:${batch.source}`, requestId: c.get("requestId"),
      });
      return inserted;
    });
    const days = new AffectedDays();
    days.add(user.id, ...dates);
    await sendChangedDays(c.env.INSIGHTS_QUEUE, days);
    return c.json({ accepted, duplicates: batch.samples.length - accepted }, 202);
  });
}
