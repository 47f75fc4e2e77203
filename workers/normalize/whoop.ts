// WHOOP: sleeps and recoveries → sessions and daily rows. A recovery belongs to a cycle and names its
// sleep; it is stored under its cycle id and gives the HRV row of the day its sleep ends on.
// WHOOP cycles (strain) and workouts: whoop-activity.ts.
import { sql } from "drizzle-orm";
import { vendorRecords } from "../../db/schema";
import { addDays } from "../lib/calendar";
import { VendorError } from "../vendors/http";
import {
  fetchWhoopRecovery, fetchWhoopSleep, listWhoopRecovery, listWhoopSleep, whoopNightsToCanonical, whoopRecoverySchema,
  whoopSleepDate, whoopSleepSchema, type WhoopRecovery, type WhoopSleep,
} from "../vendors/whoop";
import { removeSleeps, uniqueDates, writeDay } from "./days";
import {
  deleteVendorDocuments, loadVendorDocuments, putVendorDocuments, sessionDates, sessionIdsBetween, type Tx,
} from "./store";
import type { VendorApi, VendorNormalizer } from "./types";
import { unlessGone } from "./activity";
import { applyWhoopWorkoutEvent, currentWhoopCycle, refreshWhoopCycle, syncWhoopActivity } from "./whoop-activity";

const SLEEP = "sleep";
const RECOVERY = "recovery";
const WORKOUT = "workout";

function parsedAll<T>(documents: unknown[], schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }): T[] {
  return documents.flatMap((document) => {
    const parsed = schema.safeParse(document);
    return parsed.success ? [parsed.data] : [];
  });
}

/** Documents just fetched: a rebuilt day uses them as parsed instead of reading them back. */
interface Fetched {
  sleeps: readonly WhoopSleep[];
  recoveries: readonly WhoopRecovery[];
}
const NOTHING_FETCHED: Fetched = { sleeps: [], recoveries: [] };

/** Writes a day from all of its sleeps and their cycles' recoveries, stored before or just fetched. */
async function rebuildDay(tx: Tx, userId: string, date: string, fetched: Fetched = NOTHING_FETCHED): Promise<void> {
  const fetchedSleeps = new Set(fetched.sleeps.map((sleep) => sleep.id));
  const ids = (await sessionIdsBetween(tx, userId, "whoop", date, date)).filter((id) => !fetchedSleeps.has(id));
  const sleeps = [...parsedAll(await loadVendorDocuments(tx, userId, "whoop", SLEEP, ids), whoopSleepSchema), ...fetched.sleeps]
    .filter((sleep) => whoopSleepDate(sleep) === date);
  const cycles = new Set(sleeps.map((sleep) => String(sleep.cycle_id)));
  const fetchedRecoveries = fetched.recoveries.filter((recovery) => cycles.has(String(recovery.cycle_id)));
  const fetchedCycles = new Set(fetchedRecoveries.map((recovery) => String(recovery.cycle_id)));
  const storedCycles = [...cycles].filter((cycle) => !fetchedCycles.has(cycle));
  const recoveries = [...parsedAll(await loadVendorDocuments(tx, userId, "whoop", RECOVERY, storedCycles), whoopRecoverySchema), ...fetchedRecoveries];
  await writeDay(tx, userId, "whoop", date, whoopNightsToCanonical(sleeps, recoveries));
}

async function store(tx: Tx, userId: string, sleeps: readonly WhoopSleep[], recoveries: readonly WhoopRecovery[]): Promise<string[]> {
  const touched = [...sleeps.map((sleep) => sleep.id), ...recoveries.map((recovery) => recovery.sleep_id)];
  const previous = await sessionDates(tx, userId, "whoop", touched);
  await putVendorDocuments(tx, userId, "whoop", SLEEP, sleeps.map((sleep) => ({ id: sleep.id, document: sleep })));
  await putVendorDocuments(tx, userId, "whoop", RECOVERY, recoveries.map((r) => ({ id: String(r.cycle_id), document: r })));
  // Each sleep's date is rebuilt, and so is every date a touched sleep stood on before.
  const dates = uniqueDates(sleeps.map(whoopSleepDate), previous.values());
  for (const date of dates) await rebuildDay(tx, userId, date, { sleeps, recoveries });
  return dates;
}

/** Removes the stored recovery computed from this sleep (whatever its cycle). */
async function removeRecoveryOf(tx: Tx, userId: string, sleepId: string): Promise<string[]> {
  await tx.delete(vendorRecords).where(sql`${vendorRecords.vendor} = 'whoop' AND ${vendorRecords.objectType} = ${RECOVERY}
    AND ${vendorRecords.userId} = ${userId} AND ${vendorRecords.document}->>'sleep_id' = ${sleepId}`);
  const dates = uniqueDates((await sessionDates(tx, userId, "whoop", [sleepId])).values());
  for (const date of dates) await rebuildDay(tx, userId, date);
  return dates;
}

const notFound = (error: unknown) => error instanceof VendorError && error.kind === "not_found";

/** The sleep as WHOOP has it now, or null when it no longer exists. */
async function currentSleep(api: VendorApi, id: string): Promise<WhoopSleep | null> {
  try {
    return await fetchWhoopSleep(api, id);
  } catch (error) {
    if (notFound(error)) return null;
    throw error;
  }
}

async function applySleepEvent(tx: Tx, api: VendorApi, userId: string, sleepId: string, deleted: boolean): Promise<string[]> {
  const sleep = deleted ? null : await currentSleep(api, sleepId);
  if (!sleep) return removeSleeps(tx, userId, "whoop", [sleepId], rebuildDay);
  return store(tx, userId, [sleep], []);
}

/** For `recovery.*` the event's id is the sleep's: the sleep names the cycle whose recovery to read. */
async function applyRecoveryEvent(tx: Tx, api: VendorApi, userId: string, sleepId: string, deleted: boolean): Promise<string[]> {
  if (deleted) return removeRecoveryOf(tx, userId, sleepId);
  const sleep = await currentSleep(api, sleepId);
  if (!sleep) return uniqueDates(await removeRecoveryOf(tx, userId, sleepId), await removeSleeps(tx, userId, "whoop", [sleepId], rebuildDay));
  // The cycle has no webhook of its own; its recovery's event is when WHOOP has scored the night.
  await refreshWhoopCycle(tx, api, userId, sleep.cycle_id);
  let recovery: WhoopRecovery | null = null;
  try {
    recovery = await fetchWhoopRecovery(api, sleep.cycle_id);
  } catch (error) {
    // No recovery (yet) for the cycle: WHOOP answers 404 until it is scored.
    if (!notFound(error)) throw error;
  }
  if (!recovery) {
    await deleteVendorDocuments(tx, userId, "whoop", RECOVERY, [String(sleep.cycle_id)]);
    return store(tx, userId, [sleep], []);
  }
  return store(tx, userId, [sleep], [recovery]);
}

export const whoopNormalizer: VendorNormalizer = {
  maps: (objectType) => objectType === SLEEP || objectType === RECOVERY || objectType === WORKOUT,

  applyEvent(tx, api, userId, event) {
    const deleted = event.action === "delete";
    if (event.object_type === WORKOUT) return applyWhoopWorkoutEvent(tx, api, userId, event.object_id, deleted);
    return event.object_type === RECOVERY
      ? applyRecoveryEvent(tx, api, userId, event.object_id, deleted)
      : applySleepEvent(tx, api, userId, event.object_id, deleted);
  },

  // The reads of applySleepEvent and applyRecoveryEvent, in their order (one at a time: one connection).
  async prefetch(api, event) {
    if (event.action === "delete" || event.object_type === WORKOUT) return;
    const sleep = await currentSleep(api, event.object_id);
    if (!sleep || event.object_type !== RECOVERY) return;
    await currentWhoopCycle(api, sleep.cycle_id);
    await unlessGone(() => fetchWhoopRecovery(api, sleep.cycle_id));
  },

  async syncRange(tx, api, userId, startDate, endDate) {
    // Dates are local to each sleep's offset (up to ±14 h) and a night starts the evening before the
    // date it ends on: two days of margin on each side cover every sleep dated in the range.
    const from = `${addDays(startDate, -2)}T00:00:00.000Z`;
    const to = `${addDays(endDate, 2)}T00:00:00.000Z`;
    const sleeps = await listWhoopSleep(api, from, to);
    const recoveries = await listWhoopRecovery(api, from, to);
    const stored = await store(tx, userId, sleeps, recoveries);
    // Sleeps stored for the range that WHOOP no longer lists were deleted there (a missed webhook).
    const listed = new Set(sleeps.map((sleep) => sleep.id));
    const gone = (await sessionIdsBetween(tx, userId, "whoop", startDate, endDate)).filter((id) => !listed.has(id));
    const dates = uniqueDates(stored, await removeSleeps(tx, userId, "whoop", gone, rebuildDay));
    await syncWhoopActivity(tx, api, userId, { from, to, start: startDate, end: endDate });
    return dates;
  },
};
