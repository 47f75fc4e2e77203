// The isolate's short-lived copy of the readiness snapshots users' Durable Objects served.
//
// Why: apps re-read the same date often (screen focus, pull to refresh, widgets), and a call to the
// user's object for each of them costs more than the rest of the read. So for READINESS_EDGE_CACHE_MS
// (default 1 s) after the object served a (user, date), this isolate answers it from memory.
//
// What that costs (docs/adr/0005): a new snapshot reaches readers served by another isolate up to the
// lifetime later (the live WebSocket pushes it at once), and after an erasure handled by another
// isolate this one may answer the erased user's copied dates until they expire (the isolate that
// erases forgets at once).
import type { ReadinessSnapshot } from "../readiness/snapshot-store";

const MAX_COPIES = 10_000;

/** `${userId} ${date}` → the snapshot the user's object served, and until when it may be reused. */
const copies = new Map<string, { snapshot: ReadinessSnapshot; until: number }>();

const copyKey = (userId: string, date: string) => `${userId} ${date}`;

/** The snapshot this isolate may still answer for (user, date) without asking the object. */
export function copiedSnapshot(userId: string, date: string): ReadinessSnapshot | undefined {
  const key = copyKey(userId, date);
  const copy = copies.get(key);
  if (!copy) return undefined;
  if (copy.until > Date.now()) return copy.snapshot;
  copies.delete(key);
  return undefined;
}

/** Keeps a snapshot of the current model that the user's object has just served. */
export function keepCopy(userId: string, date: string, snapshot: ReadinessSnapshot, lifetimeMs: number): void {
  if (lifetimeMs <= 0) return;
  if (copies.size >= MAX_COPIES) copies.clear();
  copies.set(copyKey(userId, date), { snapshot, until: Date.now() + lifetimeMs });
}

/** Erasure in this isolate: nothing of the user is answered from memory any more. */
export function forgetCopies(userId: string): void {
  for (const key of copies.keys()) {
    if (key.startsWith(`${userId} `)) copies.delete(key);
  }
}
