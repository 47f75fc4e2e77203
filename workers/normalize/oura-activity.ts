// Oura `daily_sleep` (the day's sleep score) and `workout` documents → daily_signals and workouts.
// Neither feeds readiness, so no readiness day is asked for. Storage (vendor_records):
//   oura / daily_sleep / <document id>   the day's score document
//   oura / workout     / <document id>   the workout document
import { and, between, eq, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import { vendorRecords } from "../../db/schema";
import { clearSleepScoreDay, upsertSleepScoreDay } from "../lib/activity-rows";
import type { VendorEventMessage } from "../lib/messages";
import {
  fetchOuraDocument, listOuraDocuments, OURA_DAILY_SLEEP, OURA_WORKOUT, ouraDailySleepToCanonical, ouraWorkoutToCanonical,
  type OuraCollection, type OuraDailySleep,
} from "../vendors/oura-activity";
import { deleteVendorDocuments, putVendorDocuments, type Tx } from "./store";
import { grants, type VendorApi } from "./types";
import { listIfGranted, removeUnlistedWorkouts, removeWorkouts, storeWorkouts, unlessGone } from "./activity";

const DAILY_SLEEP = "daily_sleep";
const WORKOUT = "workout";
/** The OAuth scope each data type needs (Oura: `daily` for daily summaries, `workout` for workouts). */
const SCOPE = { [DAILY_SLEEP]: "daily", [WORKOUT]: "workout" } as const;

export const isOuraActivityType = (objectType: string): objectType is keyof typeof SCOPE => Object.hasOwn(SCOPE, objectType);

/** Stored daily_sleep documents (id → day), by id or by day range. */
async function storedScoreDays(tx: Tx, userId: string, where: { ids: string[] } | { from: string; to: string }): Promise<Map<string, string>> {
  if ("ids" in where && where.ids.length === 0) return new Map();
  const day = sql<string>`${vendorRecords.document}->>'day'`;
  const filter = "ids" in where ? inArray(vendorRecords.objectId, where.ids) : between(day, where.from, where.to);
  const rows = await tx
    .select({ id: vendorRecords.objectId, day })
    .from(vendorRecords)
    .where(and(eq(vendorRecords.vendor, "oura"), eq(vendorRecords.objectType, DAILY_SLEEP), eq(vendorRecords.userId, userId), filter));
  return new Map(rows.map((row) => [row.id, row.day]));
}

async function storeScores(tx: Tx, userId: string, docs: readonly OuraDailySleep[]): Promise<void> {
  const previous = await storedScoreDays(tx, userId, { ids: docs.map((doc) => doc.id) });
  await putVendorDocuments(tx, userId, "oura", DAILY_SLEEP, docs.map((doc) => ({ id: doc.id, document: doc })));
  for (const doc of docs) {
    const before = previous.get(doc.id);
    if (before !== undefined && before !== doc.day) await clearSleepScoreDay(tx, userId, before);
    const day = ouraDailySleepToCanonical(doc);
    // A document with neither a score nor contributors says nothing: it must not leave an empty row.
    await (day.sleep_score === null && day.contributors === null ? clearSleepScoreDay(tx, userId, doc.day) : upsertSleepScoreDay(tx, userId, day));
  }
}

async function removeScores(tx: Tx, userId: string, ids: string[]): Promise<void> {
  const days = await storedScoreDays(tx, userId, { ids });
  await deleteVendorDocuments(tx, userId, "oura", DAILY_SLEEP, ids);
  for (const day of new Set(days.values())) await clearSleepScoreDay(tx, userId, day);
}

/** The document as Oura has it now; null once deleted (said by the event, or a 404 when asked). */
function currentDocument<S extends z.ZodType>(api: VendorApi, collection: OuraCollection<S>, event: VendorEventMessage): Promise<z.output<S> | null> {
  if (event.action === "delete") return Promise.resolve(null);
  return unlessGone(() => fetchOuraDocument(collection, api, event.object_id));
}

export async function applyOuraActivityEvent(tx: Tx, api: VendorApi, userId: string, event: VendorEventMessage): Promise<string[]> {
  const type = event.object_type;
  if (!isOuraActivityType(type) || !grants(api, SCOPE[type])) return [];
  const id = event.object_id;
  if (type === DAILY_SLEEP) {
    const doc = await currentDocument(api, OURA_DAILY_SLEEP, event);
    await (doc ? storeScores(tx, userId, [doc]) : removeScores(tx, userId, [id]));
  } else {
    const doc = await currentDocument(api, OURA_WORKOUT, event);
    await (doc ? storeWorkouts(tx, userId, "oura", [doc], ouraWorkoutToCanonical) : removeWorkouts(tx, userId, "oura", [id]));
  }
  return [];
}

/**
 * Pulls the range's daily sleep scores and workouts (one day wider on each side, as for sleep) and
 * drops the stored ones of the range that Oura no longer lists (deleted there, webhook missed). A
 * type the grant lacks, or that Oura refuses (an unticked scope), is left as it is.
 */
export async function syncOuraActivity(tx: Tx, api: VendorApi, userId: string, range: { from: string; to: string; start: string; end: string }): Promise<void> {
  const scores = await listIfGranted(api, SCOPE[DAILY_SLEEP], () =>
    listOuraDocuments(OURA_DAILY_SLEEP, api, range.from, range.to));
  if (scores) {
    await storeScores(tx, userId, scores);
    const listed = new Set(scores.map((doc) => doc.id));
    const stored = await storedScoreDays(tx, userId, { from: range.start, to: range.end });
    await removeScores(tx, userId, [...stored.keys()].filter((id) => !listed.has(id)));
  }
  const docs = await listIfGranted(api, SCOPE[WORKOUT], () =>
    listOuraDocuments(OURA_WORKOUT, api, range.from, range.to));
  if (docs) {
    await storeWorkouts(tx, userId, "oura", docs, ouraWorkoutToCanonical);
    await removeUnlistedWorkouts(tx, userId, "oura", docs, range.start, range.end);
  }
}
