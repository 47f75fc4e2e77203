// What the normalize consumer needs from each vendor: which object types it maps, how one webhook
// event and one date range become stored documents and canonical rows.
import type { VendorEventMessage } from "../lib/messages";
import type { VendorApi } from "../vendors/types";
import type { Tx } from "./store";

export type { VendorApi };

/** Whether the grant covers `scope`: documents outside it are not asked for (the vendor would refuse them). */
export function grants(api: VendorApi, scope: string): boolean {
  return !api.scopes || api.scopes.size === 0 || api.scopes.has(scope);
}

export interface VendorNormalizer {
  /** Object types whose documents are fetched and mapped; other events are only recorded. */
  maps(objectType: string): boolean;
  /** Applies one event; returns the dates whose rows may have changed. */
  applyEvent(tx: Tx, api: VendorApi, userId: string, event: VendorEventMessage): Promise<string[]>;
  /**
   * Makes the vendor reads `applyEvent` will make, before the write lock is taken (workers/normalize/prefetch.ts).
   * A document gone at the vendor is an answer like any other; other failures end the event as they would
   * under the lock. Event types without it are read under the lock.
   */
  prefetch?(api: VendorApi, event: VendorEventMessage): Promise<void>;
  /** Pulls every document of a date range and makes the stored rows match; returns the changed dates. */
  syncRange(tx: Tx, api: VendorApi, userId: string, startDate: string, endDate: string): Promise<string[]>;
}
