// Connected Oura users for the ingest benchmark: an account in the Oura simulator holding sleep
// documents, and the hub's user and connection rows (vendor-connections.ts).
import { randomUUID } from "node:crypto";
import type { Pool } from "@neondatabase/serverless";
import type { Stack } from "../../scripts/lib/stack";
import { generateOuraHistory, type OuraSleepDocument } from "../../scripts/sim/generate";
import { connectVendor } from "./vendor-connections";

export interface ConnectedOuraUser {
  userId: string;
  vendorUserId: string;
  /** The user's main nights (`long_sleep`), one per date: each one becomes a sleep_daily row. */
  nights: OuraSleepDocument[];
}

/** An Oura account with `nights` nights in the simulator; `userId` connects an existing hub user, else a new one is made. */
export async function connectOuraUser(
  stack: Stack,
  pool: Pool,
  opts: { label: string; nights: number; endDate: string; userId?: string },
): Promise<ConnectedOuraUser> {
  const vendorUserId = `bench-${opts.label}-${randomUUID().slice(0, 8)}`;
  stack.sims.oura.addUser(vendorUserId);
  const nights = generateOuraHistory({ vendorUserId, days: opts.nights, endDate: opts.endDate, seed: vendorUserId }).filter(
    (document) => document.type === "long_sleep",
  );
  for (const document of nights) stack.sims.oura.putSleep(vendorUserId, document);

  const userId =
    opts.userId ?? (await pool.query<{ id: string }>("INSERT INTO users (subject) VALUES ($1) RETURNING id", [`bench|${vendorUserId}`])).rows[0]!.id;
  await connectVendor(stack, pool, userId, "oura", vendorUserId);
  return { userId, vendorUserId, nights };
}
