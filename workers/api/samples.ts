// Routes: phone uploads POST /v1/me/samples (CONTRACT §4). A batch is all-or-nothing: validated
// whole before anything is written, then stored and re-aggregated into daily rows (with its audit
// row) in two non-interactive transactions, each one round trip to the database.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { Context } from "hono";
import { PHONE_SOURCES } from "../../db/sources";
import { auditStatement } from "../lib/audit";
import type { AppEnv, RequestUser } from "../lib/context";
import { isSerializationFailure, type BatchStatement, type Database } from "../lib/db";
import { hrvDaysUpsert, sleepDaysUpsert } from "../lib/daily-rows";
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
    "(same `uuid`) counts it under `duplicates`. The affected days' daily rows are recomputed from every stored sample. " +
    "After a 503 the samples may already be stored: re-posting the batch is safe and rebuilds the days.",
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
    409: errorResponse("the account was erased meanwhile, or other uploads into the same days kept changing them (samples stored; retry)"),
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
type Builder = Pick<Database, "insert" | "delete" | "execute">;
type SampleRow = Omit<StoredPhoneSample, "source">;

/** Inserts the new samples in one statement; its one row counts those it wrote (`accepted`). */
function insertSamples(db: Builder, userId: string, batch: PhoneBatch) {
  const rows = batch.samples.map((s) => ({
    uuid: s.uuid, type: s.type, start_at: s.start, end_at: s.end, value: s.value, unit: s.unit, stage: s.stage, utc_offset_min: s.utc_offset_min,
  }));
  return db.execute<{ inserted: number }>(sql`
    WITH inserted AS (
      INSERT INTO phone_samples (user_id, uuid, source, type, start_at, end_at, value, unit, stage, utc_offset_min)
      SELECT ${userId}, s.uuid, ${batch.source}, s.type, s.start_at, s.end_at, s.value, s.unit, s.stage, s.utc_offset_min
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS s(uuid text, type text, start_at timestamptz, end_at timestamptz, value double precision, unit text, stage text, utc_offset_min smallint)
      ON CONFLICT (user_id, uuid, start_at) DO NOTHING
      RETURNING 1
    )
    SELECT count(*)::int AS inserted FROM inserted`);
}

/** Where the samples that make up `dates` are: a day is always rebuilt from all of them. */
function windowOf(userId: string, source: string, dates: string[]) {
  const window = phoneSampleWindow(dates);
  return sql`user_id = ${userId} AND source = ${source} AND end_at >= ${window.from} AND end_at < ${window.to}`;
}

function readWindow(db: Builder, userId: string, source: string, dates: string[]) {
  return db.execute<SampleRow>(sql`
    SELECT uuid, type, to_json(start_at) #>> '{}' AS start, to_json(end_at) #>> '{}' AS "end", value, unit, stage, utc_offset_min
    FROM phone_samples WHERE ${windowOf(userId, source, dates)}`);
}

/**
 * The statements that write the daily rows of `dates` rebuilt from `stored` (every sample of the
 * window): upserts, and deletes of rows whose night merged into a neighbouring date's.
 */
function rebuildStatements(db: Builder, user: Pick<RequestUser, "id" | "timezone">, source: PhoneBatch["source"], dates: string[], stored: SampleRow[]): BatchStatement[] {
  const samples = stored.map((row) => ({ ...row, source }));
  const { sleepDays, hrvDays } = aggregatePhoneDays(samples, user.timezone, dates);
  const datesArray = (values: string[]) => sql`ARRAY[${sql.join(values.map((d) => sql`${d}`), sql`, `)}]::date[]`;
  const keep = (kept: string[]) => (kept.length ? sql`AND NOT (date = ANY(${datesArray(kept)}))` : sql``);
  return [
    sleepDaysUpsert(db, user.id, sleepDays),
    hrvDaysUpsert(db, user.id, hrvDays),
    db.execute(sql`DELETE FROM sleep_daily WHERE user_id = ${user.id} AND source = ${source}
      AND date = ANY(${datesArray(dates)}) ${keep(sleepDays.map((d) => d.date))}`),
    db.execute(sql`DELETE FROM hrv_daily WHERE user_id = ${user.id} AND source = ${source}
      AND date = ANY(${datesArray(dates)}) ${keep(hrvDays.map((d) => d.date))}`),
  ].filter((statement): statement is BatchStatement => statement !== undefined);
}

/** Recomputes the daily rows of `dates` inside an open transaction (a zone change re-dates several sources at once). */
export async function reaggregateDays(tx: Tx, user: Pick<RequestUser, "id" | "timezone">, batch: Pick<PhoneBatch, "source">, dates: string[]): Promise<void> {
  const stored = await readWindow(tx, user.id, batch.source, dates);
  for (const statement of rebuildStatements(tx, user, batch.source, dates, stored.rows)) await statement;
}

/** Attempts of an upload whose window another upload changed between its two round trips. */
const UPLOAD_ATTEMPTS = 4;

/**
 * Stores the batch and rebuilds its days in two round trips, each one transaction: (1) insert the new
 * samples with the audit row and read the window, (2) write the rebuilt days, provided the window still
 * holds what (1) read. A concurrent upload into the same window makes (2) abort; then both run again
 * (the insert finds its rows already stored). Should (2) fail for good, the samples are kept and the
 * client's retry (a 503 asks for one) rebuilds the days. Returns how many samples were new.
 */
async function storeUpload(c: Context<AppEnv>, user: RequestUser, batch: PhoneBatch, dates: string[]): Promise<number> {
  const handle = c.get("database")();
  let accepted = 0;
  for (let attempt = 1; ; attempt++) {
    const [inserted, stored] = (await handle.batch((db) => [
      insertSamples(db, user.id, batch),
      readWindow(db, user.id, batch.source, dates),
      // With the samples, so no stored sample lacks its audit row; once, however many attempts.
      ...(attempt === 1 ? [auditStatement(db, { actorRef: user.auditRef, action: "upload", subjectRef: user.auditRef, resource: `phone_samples:${batch.source}`, requestId: c.get("requestId") })] : []),
    ])) as [{ rows: { inserted: number }[] }, { rows: SampleRow[] }];
    accepted += inserted.rows[0]!.inserted;
    try {
      await handle.batch((db) => [
        db.execute(sql`SELECT expect_unchanged(
          (SELECT count(*) FROM phone_samples WHERE ${windowOf(user.id, batch.source, dates)}) = ${stored.rows.length}, 'phone samples')`),
        ...rebuildStatements(db, user, batch.source, dates, stored.rows),
      ]);
      return accepted;
    } catch (error) {
      if (!isSerializationFailure(error)) throw error;
      if (attempt >= UPLOAD_ATTEMPTS) {
        // The samples are stored; the client's retry rebuilds the days.
        throw new ApiError("CONFLICT", "other uploads into the same days kept changing them; retry the upload");
      }
    }
  }
}

export function registerSampleRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(uploadRoute, async (c) => {
    const batch = await readBatch(c);
    const user = c.get("user");
    // Every date the batch touches is rebuilt, re-posts included: a retry after a failed recompute
    // request then repairs it.
    const dates = affectedPhoneDates(batch.samples, user.timezone);
    const accepted = await storeUpload(c, user, batch, dates);
    const days = new AffectedDays();
    days.add(user.id, ...dates);
    await sendChangedDays(c.env.INSIGHTS_QUEUE, days);
    return c.json({ accepted, duplicates: batch.samples.length - accepted }, 202);
  });
}
