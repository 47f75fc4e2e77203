// WHOOP cycles (day strain) and workouts → daily_signals and workouts. Neither feeds readiness, so no
// readiness day is asked for. Cycles have no webhook: a recovery event reads the cycle of its sleep,
// and every sync lists cycles (an open cycle's strain grows all day, the reconciliation follows it).
// Storage (vendor_records):
//   whoop / cycle   / <cycle id>     the cycle as fetched (score included)
//   whoop / workout / <workout id>   the workout as fetched
import { and, eq, inArray } from "drizzle-orm";
import { vendorRecords } from "../../db/schema";
import { clearStrainDay, upsertStrainDay } from "../lib/activity-rows";
import {
  fetchWhoopCycle, fetchWhoopWorkout, listWhoopCycles, listWhoopWorkouts, whoopCycleDate, whoopCycleSchema, whoopCycleToStrain,
  whoopWorkoutToCanonical, type WhoopCycle,
} from "../vendors/whoop-activity";
import { deleteVendorDocuments, putVendorDocuments, type Tx } from "./store";
import { grants, type VendorApi } from "./types";
import { listIfGranted, removeUnlistedWorkouts, removeWorkouts, storeWorkouts, unlessGone } from "./activity";

const CYCLE = "cycle";
const WORKOUT = "workout";
const SCOPE = { [CYCLE]: "read:cycles", [WORKOUT]: "read:workout" } as const;

/** The dates the stored versions of these cycles gave their strain to. */
async function storedCycleDates(tx: Tx, userId: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await tx
    .select({ document: vendorRecords.document })
    .from(vendorRecords)
    .where(and(eq(vendorRecords.vendor, "whoop"), eq(vendorRecords.objectType, CYCLE), eq(vendorRecords.userId, userId), inArray(vendorRecords.objectId, ids)));
  const dates = new Map<string, string>();
  for (const row of rows) {
    const parsed = whoopCycleSchema.safeParse(row.document);
    if (parsed.success) dates.set(String(parsed.data.id), whoopCycleDate(parsed.data));
  }
  return dates;
}

async function storeCycles(tx: Tx, userId: string, cycles: readonly WhoopCycle[]): Promise<void> {
  const previous = await storedCycleDates(tx, userId, cycles.map((cycle) => String(cycle.id)));
  await putVendorDocuments(tx, userId, "whoop", CYCLE, cycles.map((cycle) => ({ id: String(cycle.id), document: cycle })));
  // Oldest first: should two cycles start on one date, the later one's strain is the day's.
  for (const cycle of [...cycles].sort((a, b) => Date.parse(a.start) - Date.parse(b.start))) {
    const before = previous.get(String(cycle.id));
    const strain = whoopCycleToStrain(cycle);
    if (before !== undefined && before !== whoopCycleDate(cycle)) await clearStrainDay(tx, userId, before);
    // Not scored (yet, or ever): the day keeps no strain rather than a zero.
    await (strain ? upsertStrainDay(tx, userId, strain) : clearStrainDay(tx, userId, whoopCycleDate(cycle)));
  }
}

/** The cycle as WHOOP has it now (null: gone there), or undefined when the grant does not cover cycles. */
export async function currentWhoopCycle(api: VendorApi, cycleId: number): Promise<WhoopCycle | null | undefined> {
  if (!grants(api, SCOPE[CYCLE])) return undefined;
  return unlessGone(() => fetchWhoopCycle(api, cycleId));
}

/** Reads one cycle (a recovery's) and stores its strain; a cycle WHOOP does not have is forgotten. */
export async function refreshWhoopCycle(tx: Tx, api: VendorApi, userId: string, cycleId: number): Promise<void> {
  const cycle = await currentWhoopCycle(api, cycleId);
  if (cycle === undefined) return;
  if (cycle) return storeCycles(tx, userId, [cycle]);
  const id = String(cycleId);
  const dates = await storedCycleDates(tx, userId, [id]);
  await deleteVendorDocuments(tx, userId, "whoop", CYCLE, [id]);
  for (const date of dates.values()) await clearStrainDay(tx, userId, date);
}

/** `workout.updated` reads the workout (gone there: removed here); `workout.deleted` removes it. */
export async function applyWhoopWorkoutEvent(tx: Tx, api: VendorApi, userId: string, id: string, deleted: boolean): Promise<string[]> {
  if (!grants(api, SCOPE[WORKOUT])) return [];
  const workout = deleted ? null : await unlessGone(() => fetchWhoopWorkout(api, id));
  await (workout ? storeWorkouts(tx, userId, "whoop", [workout], whoopWorkoutToCanonical) : removeWorkouts(tx, userId, "whoop", [id]));
  return [];
}

/**
 * Lists the period's cycles and workouts (`from`/`to`: instants with the sleeps' margin) and drops
 * stored workouts dated in `start`..`end` that WHOOP no longer lists (deleted there, webhook missed).
 * A type the grant lacks, or that WHOOP refuses with 403 (a scope not granted), is left as it is.
 */
export async function syncWhoopActivity(tx: Tx, api: VendorApi, userId: string, range: { from: string; to: string; start: string; end: string }): Promise<void> {
  const cycles = await listIfGranted(api, SCOPE[CYCLE], () =>
    listWhoopCycles(api, range.from, range.to));
  if (cycles) await storeCycles(tx, userId, cycles);
  const workouts = await listIfGranted(api, SCOPE[WORKOUT], () =>
    listWhoopWorkouts(api, range.from, range.to));
  if (workouts) {
    await storeWorkouts(tx, userId, "whoop", workouts, whoopWorkoutToCanonical);
    await removeUnlistedWorkouts(tx, userId, "whoop", workouts, range.start, range.end);
  }
}
