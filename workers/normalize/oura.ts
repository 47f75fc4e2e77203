// Oura: sleep documents → sessions and daily rows. Several documents can share a `day` (naps, rest
// periods, a late nap of the evening before); the day's night is chosen among everything stored for
// that day, so a nap that arrives after the night never replaces it.
// Oura `daily_sleep` and `workout` documents: oura-activity.ts.
import { addDays } from "../lib/calendar";
import { VendorError } from "../vendors/http";
import {
  fetchOuraSleep, listOuraSleep, ouraNightsToCanonical, ouraSleepDate, ouraSleepSchema, type OuraSleep,
} from "../vendors/oura";
import { removeSleeps, uniqueDates, writeDay } from "./days";
import {
  loadVendorDocuments, putVendorDocuments, sessionDates, sessionIdsBetween, type Tx,
} from "./store";
import { unlessGone } from "./activity";
import { applyOuraActivityEvent, isOuraActivityType, syncOuraActivity } from "./oura-activity";
import type { VendorNormalizer } from "./types";

const SLEEP = "sleep";

/**
 * Writes a day from all of its documents: the ones stored before are read back, the ones just
 * fetched (`fresh`) are used as parsed, without a round trip through vendor_records.
 */
async function rebuildDay(tx: Tx, userId: string, date: string, fresh: readonly OuraSleep[] = []): Promise<void> {
  const freshIds = new Set(fresh.map((doc) => doc.id));
  const ids = (await sessionIdsBetween(tx, userId, "oura", date, date)).filter((id) => !freshIds.has(id));
  const stored = (await loadVendorDocuments(tx, userId, "oura", SLEEP, ids))
    .map((document) => ouraSleepSchema.safeParse(document))
    .flatMap((parsed) => (parsed.success ? [parsed.data] : []));
  const docs = [...stored, ...fresh].filter((doc) => ouraSleepDate(doc) === date);
  await writeDay(tx, userId, "oura", date, ouraNightsToCanonical(docs));
}

async function storeSleeps(tx: Tx, userId: string, docs: readonly OuraSleep[]): Promise<string[]> {
  const previous = await sessionDates(tx, userId, "oura", docs.map((doc) => doc.id));
  // Only the fields the hub reads are kept (no 5-minute series): enough to rebuild any day later.
  await putVendorDocuments(tx, userId, "oura", SLEEP, docs.map((doc) => ({ id: doc.id, document: doc })));
  // Each document's day is rebuilt (and so is the day it stood on before, if it moved).
  const dates = uniqueDates(docs.map(ouraSleepDate), previous.values());
  for (const date of dates) await rebuildDay(tx, userId, date, docs);
  return dates;
}

export const ouraNormalizer: VendorNormalizer = {
  maps: (objectType) => objectType === SLEEP || isOuraActivityType(objectType),

  async applyEvent(tx, api, userId, event) {
    if (isOuraActivityType(event.object_type)) return applyOuraActivityEvent(tx, api, userId, event);
    if (event.action === "delete") return removeSleeps(tx, userId, "oura", [event.object_id], rebuildDay);
    let doc: OuraSleep;
    try {
      doc = await fetchOuraSleep(api, event.object_id);
    } catch (error) {
      // Gone at the vendor by the time we asked: the latest state is "deleted".
      if (error instanceof VendorError && error.kind === "not_found") return removeSleeps(tx, userId, "oura", [event.object_id], rebuildDay);
      throw error;
    }
    return storeSleeps(tx, userId, [doc]);
  },

  async prefetch(api, event) {
    if (event.object_type === SLEEP && event.action !== "delete") await unlessGone(() => fetchOuraSleep(api, event.object_id));
  },

  async syncRange(tx, api, userId, startDate, endDate) {
    // Oura files a night under the day it ends and its range filter is known to miss edge days:
    // ask one day wider on each side.
    const [from, to] = [addDays(startDate, -1), addDays(endDate, 1)];
    const docs = await listOuraSleep(api, from, to);
    const stored = await storeSleeps(tx, userId, docs);
    // Documents stored for the range that the vendor no longer lists were deleted there (a missed webhook).
    const listed = new Set(docs.map((doc) => doc.id));
    const gone = (await sessionIdsBetween(tx, userId, "oura", startDate, endDate)).filter((id) => !listed.has(id));
    const dates = uniqueDates(stored, await removeSleeps(tx, userId, "oura", gone, rebuildDay));
    await syncOuraActivity(tx, api, userId, { from, to, start: startDate, end: endDate });
    return dates;
  },
};
