// The ingest consumer reads the vendor's document before it takes the account's write lock, and
// keeps that read only when no other writer committed for the account meanwhile
// (workers/normalize/prefetch.ts). Another writer is played here by a transaction that holds the
// same lock from outside the hub.
import { describe, expect, it } from "vitest";
import type { IngestMessage } from "../../workers/lib/messages";
import { connectedUser } from "./connected-user";
import { testDb, waitFor } from "./helpers";
import {
  hrvRows, ouraEvent, ouraMessage, ouraNight, runIngest, sleepRows, whoopEvent, whoopMessage, whoopRecoveryOf, whoopSleep,
} from "./ingest-helpers";
import { sim } from "./sim";

type HeldLock = { query(text: string, params: unknown[]): Promise<unknown> };

/**
 * Runs the ingest consumer on one message while a transaction from outside the hub holds the
 * message's (user, vendor) write lock; once `readsMade` holds, `meanwhile` runs inside that
 * transaction, which then commits. Returns the consumer's outcome (every message acked, checked).
 */
async function ingestBehindLock(
  user: { userId: string },
  vendor: string,
  message: IngestMessage,
  readsMade: () => Promise<boolean>,
  meanwhile: (lock: HeldLock) => Promise<void>,
) {
  const handle = testDb();
  const client = await handle.pool.connect();
  await client.query("BEGIN");
  await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`normalize:${user.userId}:${vendor}`]);
  const run = runIngest([message]);
  try {
    await waitFor(async () => ((await readsMade()) ? true : undefined));
    await meanwhile(client);
  } finally {
    await client.query("COMMIT");
    client.release();
    await handle.close();
  }
  const outcome = await run;
  expect(outcome.acked).toEqual(outcome.ids);
}

const documentReads = async (id: string) => (await sim.oura.requests()).filter((r) => r.path === `/v2/usercollection/sleep/${id}`).length;

async function ouraUserWithNight() {
  const user = await connectedUser("oura");
  const night = ouraNight();
  await sim.oura.putSleep(user.vendorUserId, night);
  const id = night.id as string;
  return { user, night, id, message: ouraMessage(ouraEvent(user.vendorUserId, id, "update")) };
}

describe("the ingest consumer's vendor read", () => {
  it("is made while another writer holds the account's lock, and replayed once the lock is free", async () => {
    const { user, night, id, message } = await ouraUserWithNight();
    await ingestBehindLock(user, "oura", message, async () => (await documentReads(id)) === 1, async () => {
      // The document is read although the write is still waiting for the lock.
      expect(await sleepRows(user.userId)).toEqual([]);
    });
    expect((await sleepRows(user.userId)).map((row) => row.total_sleep_s)).toEqual([night.total_sleep_duration]);
    // Under the lock the kept answer served: the vendor was asked once.
    expect(await documentReads(id)).toBe(1);
  });

  it("is made again under the lock when another writer committed for the account after it", async () => {
    const { user, night, id, message } = await ouraUserWithNight();
    const rescored = { ...night, total_sleep_duration: (night.total_sleep_duration as number) - 1_800 };
    await ingestBehindLock(user, "oura", message, async () => (await documentReads(id)) === 1, async (lock) => {
      // The other writer changes the account (as every write does, it moves last_sync_at) while the
      // vendor's document changes too: the consumer's first read is now out of date.
      await sim.oura.putSleep(user.vendorUserId, rescored);
      await lock.query("UPDATE connections SET last_sync_at = now() WHERE id = $1", [user.connectionId]);
    });
    expect((await sleepRows(user.userId)).map((row) => row.total_sleep_s)).toEqual([rescored.total_sleep_duration]);
    expect(await documentReads(id)).toBe(2);
  });
});

describe("a WHOOP recovery event's three reads (sleep, cycle, recovery)", () => {
  it("are all made before the lock and each made once", async () => {
    const user = await connectedUser("whoop");
    const sleep = whoopSleep(user.whoopUserId);
    const recovery = whoopRecoveryOf(sleep);
    await sim.whoop.putSleep(user.whoopUserId, sleep);
    await sim.whoop.putRecovery(user.whoopUserId, recovery);
    const cycle = String(sleep.cycle_id);
    const reads = async () =>
      (await sim.whoop.requests()).filter((r) => r.path.includes(sleep.id as string) || r.path.split("/").includes(cycle)).map((r) => r.path).sort();
    const expected = [`/developer/v2/activity/sleep/${sleep.id}`, `/developer/v2/cycle/${cycle}`, `/developer/v2/cycle/${cycle}/recovery`];
    const message = whoopMessage(whoopEvent(user.whoopUserId, sleep.id as string, "recovery.updated"));
    await ingestBehindLock(user, "whoop", message, async () => (await reads()).length === 3, async () => {
      expect(await hrvRows(user.userId, "whoop")).toEqual([]);
    });
    const rows = await hrvRows(user.userId, "whoop");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.rmssd_ms as number).toBeCloseTo((recovery.score as { hrv_rmssd_milli: number }).hrv_rmssd_milli, 4);
    expect(await reads()).toEqual(expected);
  });
});
