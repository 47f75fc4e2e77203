// Drizzle table definitions: the typed mirror of db/migrations/*.sql (the SQL is the source of truth
// for constraints, triggers and hypertables; keep both in step when a migration changes a table).
import type { Vendor } from "./sources";
import {
  bigserial, boolean, date, doublePrecision, integer, jsonb, pgTable, primaryKey, real, smallint, text,
  timestamp, uuid,
} from "drizzle-orm/pg-core";

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: "string" });
const day = (name: string) => date(name, { mode: "string" });

export const users = pgTable("users", {
  id: uuid("id").primaryKey().defaultRandom(),
  subject: text("subject").notNull().unique(),
  auditRef: uuid("audit_ref").notNull().unique().defaultRandom(),
  timezone: text("timezone").notNull().default("UTC"),
  createdAt: instant("created_at").notNull().defaultNow(),
});

export const connections = pgTable("connections", {
  id: uuid("id").primaryKey().defaultRandom(),
  userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  vendor: text("vendor").$type<Vendor>().notNull(),
  vendorUserId: text("vendor_user_id").notNull(),
  status: text("status").$type<"active" | "needs_reconsent" | "membership_lapsed">().notNull().default("active"),
  accessTokenEnc: text("access_token_enc").notNull(),
  refreshTokenEnc: text("refresh_token_enc"),
  tokenExpiresAt: instant("token_expires_at"),
  scopes: text("scopes").notNull().default(""),
  connectedAt: instant("connected_at").notNull().defaultNow(),
  lastSyncAt: instant("last_sync_at"),
});

export const oauthStates = pgTable("oauth_states", {
  stateHash: text("state_hash").primaryKey(),
  userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  vendor: text("vendor").notNull(),
  expiresAt: instant("expires_at").notNull(),
  createdAt: instant("created_at").notNull().defaultNow(),
});

export const pendingConnections = pgTable("pending_connections", {
  id: uuid("id").primaryKey(),
  codeHash: text("code_hash").notNull().unique(),
  startedBy: uuid("started_by").notNull().references(() => users.id, { onDelete: "cascade" }),
  vendor: text("vendor").$type<Vendor>().notNull(),
  vendorUserId: text("vendor_user_id").notNull(),
  accessTokenEnc: text("access_token_enc").notNull(),
  refreshTokenEnc: text("refresh_token_enc"),
  tokenExpiresAt: instant("token_expires_at"),
  scopes: text("scopes").notNull().default(""),
  expiresAt: instant("expires_at").notNull(),
  createdAt: instant("created_at").notNull().defaultNow(),
});

export const webhookEvents = pgTable("webhook_events", {
  id: bigserial("id", { mode: "number" }),
  vendor: text("vendor").notNull(),
  eventKey: text("event_key").notNull(),
  vendorUserId: text("vendor_user_id").notNull(),
  userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
  body: jsonb("body").notNull(),
  receivedAt: instant("received_at").notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.vendor, t.eventKey] })]);

export const vendorRecords = pgTable("vendor_records", {
  vendor: text("vendor").notNull(),
  objectType: text("object_type").notNull(),
  objectId: text("object_id").notNull(),
  userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  document: jsonb("document").notNull(),
  fetchedAt: instant("fetched_at").notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.vendor, t.objectType, t.objectId] })]);

export const sleepSessions = pgTable("sleep_sessions", {
  source: text("source").notNull(),
  vendorObjectId: text("vendor_object_id").notNull(),
  userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  date: day("date").notNull(),
  isMain: boolean("is_main").notNull(),
  startAt: instant("start_at").notNull(),
  endAt: instant("end_at").notNull(),
  totalSleepS: integer("total_sleep_s"),
  efficiencyPct: real("efficiency_pct"),
  updatedAt: instant("updated_at").notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.source, t.vendorObjectId] })]);

export const sleepDaily = pgTable("sleep_daily", {
  userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  date: day("date").notNull(),
  source: text("source").notNull(),
  totalSleepS: integer("total_sleep_s"),
  deepS: integer("deep_s"),
  lightS: integer("light_s"),
  remS: integer("rem_s"),
  awakeS: integer("awake_s"),
  efficiencyPct: real("efficiency_pct"),
  latencyS: integer("latency_s"),
  bedtimeStart: instant("bedtime_start"),
  bedtimeEnd: instant("bedtime_end"),
  avgHrvMs: real("avg_hrv_ms"),
  lowestHrBpm: real("lowest_hr_bpm"),
  shortNight: boolean("short_night").notNull().default(false),
  updatedAt: instant("updated_at").notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.userId, t.date, t.source] })]);

export const hrvDaily = pgTable("hrv_daily", {
  userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  date: day("date").notNull(),
  source: text("source").notNull(),
  rmssdMs: real("rmssd_ms"),
  sdnnMs: real("sdnn_ms"),
  restingHrBpm: real("resting_hr_bpm"),
  updatedAt: instant("updated_at").notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.userId, t.date, t.source] })]);

export const phoneSamples = pgTable("phone_samples", {
  userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  uuid: text("uuid").notNull(),
  source: text("source").notNull(),
  type: text("type").notNull(),
  startAt: instant("start_at").notNull(),
  endAt: instant("end_at").notNull(),
  value: doublePrecision("value"),
  unit: text("unit"),
  stage: text("stage"),
  utcOffsetMin: smallint("utc_offset_min"),
  receivedAt: instant("received_at").notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.userId, t.uuid, t.startAt] })]);

export const readinessSnapshots = pgTable("readiness_snapshots", {
  userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  date: day("date").notNull(),
  score: integer("score"),
  level: text("level").notNull(),
  confidence: real("confidence").notNull(),
  components: jsonb("components").notNull(),
  baseline: jsonb("baseline").notNull(),
  algorithmVersion: text("algorithm_version").notNull(),
  computedAt: instant("computed_at").notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.userId, t.date] })]);

export const auditLog = pgTable("audit_log", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  at: instant("at").notNull().defaultNow(),
  actorRef: text("actor_ref").notNull(),
  action: text("action").notNull(),
  subjectRef: uuid("subject_ref"),
  resource: text("resource").notNull(),
  requestId: text("request_id"),
});

export const deadLetters = pgTable("dead_letters", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  queue: text("queue").notNull(),
  messageId: text("message_id").notNull(),
  userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
  body: jsonb("body").notNull(),
  reason: text("reason").notNull(),
  attempts: integer("attempts").notNull(),
  receivedAt: instant("received_at").notNull().defaultNow(),
  replayedAt: instant("replayed_at"),
});

export const webhookSubscriptions = pgTable("webhook_subscriptions", {
  vendor: text("vendor").notNull(),
  subscriptionId: text("subscription_id").notNull(),
  eventType: text("event_type").notNull(),
  dataType: text("data_type").notNull(),
  callbackUrl: text("callback_url"),
  expiresAt: instant("expires_at").notNull(),
  updatedAt: instant("updated_at").notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.vendor, t.subscriptionId] })]);

export const vendorCallBudget = pgTable("vendor_call_budget", {
  budgetKey: text("budget_key").notNull(),
  windowName: text("window_name").$type<"minute" | "day">().notNull(),
  windowStart: instant("window_start").notNull(),
  used: integer("used").notNull(),
  blockedUntil: instant("blocked_until"),
}, (t) => [primaryKey({ columns: [t.budgetKey, t.windowName] })]);

export const dailySignals = pgTable("daily_signals", {
  userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  date: day("date").notNull(),
  source: text("source").notNull(),
  readinessScore: smallint("readiness_score"),
  temperatureDeviationC: real("temperature_deviation_c"),
  recoveryScore: smallint("recovery_score"),
  spo2Pct: real("spo2_pct"),
  skinTempC: real("skin_temp_c"),
  userCalibrating: boolean("user_calibrating"),
  sleepScore: smallint("sleep_score"),
  sleepScoreContributors: jsonb("sleep_score_contributors"),
  strain: real("strain"),
  cycleCaloriesKcal: real("cycle_calories_kcal"),
  cycleAvgHrBpm: real("cycle_avg_hr_bpm"),
  cycleMaxHrBpm: real("cycle_max_hr_bpm"),
  updatedAt: instant("updated_at").notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.userId, t.date, t.source] })]);

export const workouts = pgTable("workouts", {
  source: text("source").notNull(),
  vendorObjectId: text("vendor_object_id").notNull(),
  userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  date: day("date").notNull(),
  activity: text("activity").notNull(),
  startAt: instant("start_at").notNull(),
  endAt: instant("end_at").notNull(),
  caloriesKcal: real("calories_kcal"),
  distanceM: real("distance_m"),
  intensity: text("intensity"),
  recordedBy: text("recorded_by"),
  label: text("label"),
  strain: real("strain"),
  avgHrBpm: real("avg_hr_bpm"),
  maxHrBpm: real("max_hr_bpm"),
  hrZoneDurationsS: integer("hr_zone_durations_s").array(),
  scoreState: text("score_state"),
  updatedAt: instant("updated_at").notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.source, t.vendorObjectId] })]);

/** The weekly trends rollup (db/migrations/0006_b_trends_weekly.sql, workers/readiness/trends-rollup.ts). */
export const trendsWeekly = pgTable("trends_weekly", {
  userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
  weekStart: day("week_start").notNull(),
  weekEnd: day("week_end").notNull(),
  days: smallint("days").notNull(),
  hrvMetric: text("hrv_metric").$type<"rmssd" | "sdnn">(),
  hrvSource: text("hrv_source"),
  hrvMs: doublePrecision("hrv_ms"),
  hrvDays: smallint("hrv_days").notNull(),
  changeHrvMs: doublePrecision("change_hrv_ms"),
  restingHrSource: text("resting_hr_source"),
  restingHrBpm: doublePrecision("resting_hr_bpm"),
  restingHrDays: smallint("resting_hr_days").notNull(),
  changeRestingHrBpm: doublePrecision("change_resting_hr_bpm"),
  sleepSource: text("sleep_source"),
  totalSleepS: doublePrecision("total_sleep_s"),
  sleepDays: smallint("sleep_days").notNull(),
  changeTotalSleepS: doublePrecision("change_total_sleep_s"),
  readinessScore: doublePrecision("readiness_score"),
  readinessDays: smallint("readiness_days").notNull(),
  changeReadinessScore: doublePrecision("change_readiness_score"),
  hrvBelowBandDates: day("hrv_below_band_dates").array().notNull(),
  shortSleepDates: day("short_sleep_dates").array().notNull(),
  flags: text("flags").array().notNull(),
  algorithmVersion: text("algorithm_version"),
  computedAt: instant("computed_at").notNull(),
}, (t) => [primaryKey({ columns: [t.userId, t.weekStart] })]);
