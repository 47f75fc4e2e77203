// Routes: readiness of a date, its history, and the live WebSocket (CONTRACT §4).
//
// GET /v1/me/readiness reads, in order: this isolate's copy of what the user's Durable Object served
// in the last READINESS_EDGE_CACHE_MS (readiness-edge.ts), the object's cache (no Postgres needed, so
// it answers during an outage), Postgres readiness_snapshots (and warms the cache with what it found),
// and when there is data but no snapshot, a compute on the spot by the Durable Object. A cache hit
// touches no Postgres on the way: the user comes from the isolate's cache (lib/users.ts), and the
// read's audit row joins the isolate's next batch insert (lib/read-audit.ts), about a second later.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { SOURCES } from "../../db/sources";
import { readinessClient, TOKEN_EXPIRY_HEADER, type ReadinessSnapshot } from "../../durable-objects/client";
import { todayIn } from "../lib/calendar";
import type { AppEnv } from "../lib/context";
import { ApiError, errorResponse } from "../lib/errors";
import { describeError } from "../lib/logger";
import { ALGORITHM_VERSION } from "../readiness";
import { readSnapshot, readSnapshotRange, type StoredReadiness } from "../readiness/snapshot-store";
import { auditCachedRead, auditRead, calendarDate, rangeErrors, rangeQuery, resolveRange } from "./biometrics";
import { copiedSnapshot, keepCopy } from "./readiness-edge";

const nullableNumber = z.number().nullable();
const source = z.enum(SOURCES).nullable();
const metricBaseline = z.object({ source: source.unwrap(), days: z.number().int() });

const snapshotSchema = z.object({
  date: z.string().openapi({ example: "2026-01-30" }),
  score: z.number().int().min(0).max(100).nullable(),
  level: z.enum(["high", "moderate", "low", "insufficient_data"]),
  confidence: z.number().min(0).max(1),
  components: z.object({
    hrv: z.object({
      metric: z.enum(["ln_rmssd", "ln_sdnn"]).nullable(),
      source,
      value: nullableNumber.openapi({ description: "7-day mean of ln(ms)" }),
      baseline: nullableNumber.openapi({ description: "60-day baseline mean of ln(ms)" }),
      normal_band: z.object({ low: z.number(), high: z.number() }).nullable(),
      recent_readings: z.number().int(),
      last_night: nullableNumber.optional().openapi({ description: "ln(ms) of the scored night itself (readiness-1.1.0)" }),
      trend_contribution: nullableNumber.optional().openapi({ description: "points from the 7-day mean against the normal band" }),
      acute_contribution: nullableNumber.optional().openapi({
        description: "points from last night alone: 0 at or above baseline mean − 1 SD, −50 per ln unit below it, at most −25",
      }),
      contribution: nullableNumber.openapi({ description: "trend + acute points (readiness-1.1.0)" }),
    }),
    sleep: z.object({
      source,
      value: nullableNumber.openapi({ description: "total sleep, seconds" }),
      baseline: nullableNumber,
      need_s: nullableNumber,
      efficiency_pct: nullableNumber,
      efficiency_baseline_pct: nullableNumber,
      contribution: nullableNumber,
    }),
    resting_hr: z.object({ source, value: nullableNumber, baseline: nullableNumber, contribution: nullableNumber }),
  }),
  baseline: z.object({
    from: z.string(),
    to: z.string(),
    recent_from: z.string(),
    recent_to: z.string(),
    hrv: metricBaseline.extend({ metric: z.enum(["ln_rmssd", "ln_sdnn"]) }).nullable(),
    resting_hr: metricBaseline.nullable(),
    sleep: metricBaseline.nullable(),
  }),
  algorithm_version: z.string().openapi({ example: ALGORITHM_VERSION }),
  computed_at: z.string().openapi({ format: "date-time" }),
}).openapi("ReadinessSnapshot");

const readinessRoute = createRoute({
  method: "get",
  path: "/v1/me/readiness",
  summary: "Readiness of one date",
  security: [{ bearerAuth: [] }],
  request: {
    query: z.object({
      date: calendarDate.optional().openapi({ description: "Default: the user's today. Not after today.", example: "2026-01-30" }),
    }),
  },
  responses: {
    200: { description: "the date's readiness", content: { "application/json": { schema: snapshotSchema } } },
    400: errorResponse("not a real date, or a date after the user's today"),
    401: errorResponse("missing or invalid bearer token"),
    404: errorResponse("the user has no data at all"),
    503: errorResponse("Postgres unreachable and the date not cached"),
  },
});

const historyRoute = createRoute({
  method: "get",
  path: "/v1/me/readiness/history",
  summary: "Stored readiness snapshots of a date range",
  security: [{ bearerAuth: [] }],
  request: { query: rangeQuery },
  responses: {
    200: { description: "snapshots in the range, by date", content: { "application/json": { schema: z.object({ items: z.array(snapshotSchema) }) } } },
    ...rangeErrors,
  },
});

const liveRoute = createRoute({
  method: "get",
  path: "/v1/me/readiness/live",
  summary: "WebSocket: pushes each new readiness snapshot of the user",
  description:
    "A WebSocket upgrade request (`Upgrade: websocket`). The socket closes (code 4001) when the bearer token it was " +
    "opened with expires, and (code 4002) when the user disconnects a vendor; the app reconnects. Each message is JSON " +
    '`{"type":"readiness","snapshot":{…ReadinessSnapshot}}`, or, when a calendar week closes, ' +
    '`{"type":"trends.week_closed","week":{…TrendWeek}}` (the week as `GET /v1/me/trends` shows it); clients ignore ' +
    'types they do not know. A text "ping" is answered "pong".',
  security: [{ bearerAuth: [] }],
  request: {
    headers: z.object({
      upgrade: z.string().optional().openapi({ description: "must be `websocket`", example: "websocket" }),
    }),
  },
  responses: {
    101: { description: "Switching Protocols: the live WebSocket is open" },
    401: errorResponse("missing or invalid bearer token"),
    426: errorResponse("not a WebSocket upgrade request"),
  },
});

export function registerReadinessRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(readinessRoute, async (c) => {
    const today = todayIn(c.get("user").timezone);
    const date = c.req.valid("query").date ?? today;
    if (date > today) throw new ApiError("BAD_REQUEST", "date is after today in the user's time zone");
    const readiness = await readinessOf(c, date);
    c.get("analytics").capture(c.get("user").id, "readiness_viewed");
    return c.json(readiness, 200);
  });

  app.openapi(historyRoute, async (c) => {
    const { from, to } = resolveRange(c.req.valid("query"), c.get("user").timezone);
    const items = await readSnapshotRange(c.get("database")().db, c.get("user").id, from, to);
    await auditRead(c, "readiness_snapshots");
    return c.json({ items }, 200);
  });

  app.openapi(liveRoute, async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError("UPGRADE_REQUIRED", "expected a WebSocket upgrade (Upgrade: websocket)", { upgrade: "websocket" });
    }
    await auditRead(c, "readiness_snapshots:live");
    // The user's Durable Object accepts the socket (hibernation), pushes every new snapshot, and
    // closes the socket when the token it was opened with expires.
    const upgrade = new Request(c.req.raw);
    upgrade.headers.set(TOKEN_EXPIRY_HEADER, String(c.get("tokenExpiresAt")));
    return readinessClient(c.env, c.get("user").id).fetch(upgrade);
  });
}

/**
 * The date's snapshot, its read audited: the isolate's copy, the object's cache (both audited in the
 * isolate's next batch, lib/read-audit.ts), else Postgres or computed on the spot (audited at once).
 */
async function readinessOf(c: Context<AppEnv>, date: string): Promise<ReadinessSnapshot> {
  const { id: userId } = c.get("user");
  const copyLifetimeMs = c.get("config").READINESS_EDGE_CACHE_MS;
  const copy = copyLifetimeMs > 0 ? copiedSnapshot(userId, date) : undefined;
  if (copy) {
    auditCachedRead(c, "readiness_snapshots");
    return copy;
  }
  const cached = await readinessClient(c.env, userId).getSnapshot(date);
  if (cached?.algorithm_version === ALGORITHM_VERSION) {
    keepCopy(userId, date, cached, copyLifetimeMs);
    auditCachedRead(c, "readiness_snapshots");
    return cached;
  }
  const snapshot = await uncachedReadinessOf(c, date, cached);
  await auditRead(c, "readiness_snapshots");
  return snapshot;
}

/**
 * Postgres, then computed on the spot; 404 when the user has no data. A cached snapshot of an older
 * model is served only while Postgres (rescored by the recompute script) is down.
 */
async function uncachedReadinessOf(c: Context<AppEnv>, date: string, cached: ReadinessSnapshot | null): Promise<ReadinessSnapshot> {
  const readiness = readinessClient(c.env, c.get("user").id);

  let stored: StoredReadiness;
  try {
    stored = await readSnapshot(c.get("database")().db, c.get("user").id, date);
  } catch (error) {
    if (cached) return cached;
    c.get("log").error("readiness_read_failed", describeError(error));
    throw new ApiError("DATABASE_UNAVAILABLE", "readiness temporarily unavailable, retry later", { "retry-after": "30" });
  }
  if (stored.snapshot) {
    c.executionCtx.waitUntil(readiness.cacheSnapshots([stored.snapshot]).catch(() => undefined));
    return stored.snapshot;
  }
  if (!stored.hasData) throw new ApiError("NOT_FOUND", "no readiness data for this user yet");
  const computed = await readiness.computeOnDemand(c.get("user").id, date);
  if (!computed) throw new ApiError("NOT_FOUND", "no readiness data for this user");
  return computed;
}
