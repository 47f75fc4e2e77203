// Shared by the vendors' activity modules: workout documents of any vendor, stored as fetched
// (vendor_records, object type `workout`) beside their canonical row (workouts), removed together and
// pruned when a sync no longer lists them; and how a read of an optional document type may fail.
import { deleteWorkouts, upsertWorkouts, workoutIdsBetween } from "../lib/activity-rows";
import type { Workout } from "../vendors/activity";
import { VendorError } from "../vendors/http";
import type { Vendor } from "../vendors/types";
import { deleteVendorDocuments, putVendorDocuments, type Tx } from "./store";
import { grants, type VendorApi } from "./types";

const WORKOUT = "workout";

export async function storeWorkouts<T extends { id: string }>(
  tx: Tx, userId: string, vendor: Vendor, docs: readonly T[], toCanonical: (doc: T) => Workout,
): Promise<void> {
  await putVendorDocuments(tx, userId, vendor, WORKOUT, docs.map((doc) => ({ id: doc.id, document: doc })));
  await upsertWorkouts(tx, userId, docs.map(toCanonical));
}

export async function removeWorkouts(tx: Tx, userId: string, vendor: Vendor, ids: readonly string[]): Promise<void> {
  await deleteVendorDocuments(tx, userId, vendor, WORKOUT, ids);
  await deleteWorkouts(tx, userId, vendor, ids);
}

/** Removes the stored workouts dated in `start`..`end` that the vendor's list no longer holds. */
export async function removeUnlistedWorkouts(tx: Tx, userId: string, vendor: Vendor, listed: readonly { id: string }[], start: string, end: string): Promise<void> {
  const ids = new Set(listed.map((doc) => doc.id));
  await removeWorkouts(tx, userId, vendor, (await workoutIdsBetween(tx, userId, vendor, start, end)).filter((id) => !ids.has(id)));
}

/** The document as the vendor has it now, or null when it is gone there (404). */
export async function unlessGone<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof VendorError && error.kind === "not_found") return null;
    throw error;
  }
}

/**
 * A list of an optional data type during a sync, or null when the grant lacks `scope` or the vendor
 * refuses the list with 403. The sync has just been served the user's sleep with the same token, so
 * the grant and (for Oura) the membership are fine: the refusal is a scope the user unticked at
 * consent. Skipping the type keeps the nights coming instead of failing the sync (or, for Oura,
 * reading it as a lapsed membership).
 */
export async function listIfGranted<T>(api: VendorApi, scope: string, read: () => Promise<T>): Promise<T | null> {
  if (!grants(api, scope)) return null;
  try {
    return await read();
  } catch (error) {
    if (error instanceof VendorError && error.status === 403) return null;
    throw error;
  }
}
