// Cron jobs of the ingest side: reconciliation (a sync_range of the last three days per active
// connection) and the renewal of Oura webhook subscriptions in the simulator.
import { describe, expect, it } from "vitest";
import type { Env } from "../../workers/env";
import { loadConfig } from "../../workers/env";
import type { SyncRangeMessage } from "../../workers/lib/messages";
import { reconcileConnections } from "../../workers/scheduled/reconcile";
import { ensureOuraSubscriptions, renewOuraSubscriptions } from "../../workers/scheduled/subscriptions";
import { connectedUser } from "./connected-user";
import { testDb, testEnv } from "./helpers";
import { ouraNight, query, runIngest, sleepRows, spyQueue } from "./ingest-helpers";
import { sim } from "./sim";

describe("reconcileConnections", () => {
  it("enqueues one sync_range of the user's last three local days per active connection, none for others", async () => {
    const kiribati = await connectedUser("oura", { timezone: "Pacific/Kiritimati" }); // UTC+14
    const whoop = await connectedUser("whoop");
    const waiting = await connectedUser("oura", { status: "needs_reconsent" });
    const queue = spyQueue();
    const now = Date.parse("2026-11-20T12:00:00Z");
    const { db, close } = testDb();
    let result;
    try {
      result = await reconcileConnections(db, { ...testEnv, INGEST_QUEUE: queue } as unknown as Env, loadConfig(testEnv), now);
    } finally {
      await close();
    }
    const messages = queue.bodies as SyncRangeMessage[];
    expect(result.enqueued).toBe(messages.length);
    const byConnection = new Map(messages.map((m) => [m.connection_id, m]));
    expect(byConnection.get(kiribati.connectionId)).toEqual({
      kind: "sync_range", connection_id: kiribati.connectionId, start_date: "2026-11-19", end_date: "2026-11-21", reason: "reconcile",
    });
    expect(byConnection.get(whoop.connectionId)).toMatchObject({ start_date: "2026-11-18", end_date: "2026-11-20", reason: "reconcile" });
    expect(byConnection.has(waiting.connectionId)).toBe(false);
    // Exactly one per connection, and only active ones.
    expect(byConnection.size).toBe(messages.length);
    const statuses = await query<{ status: string }>("SELECT DISTINCT status FROM connections WHERE id = ANY($1)", [[...byConnection.keys()]]);
    expect(statuses).toEqual([{ status: "active" }]);
  });

  it("its message, once consumed, stores a night whose webhook never came", async () => {
    const user = await connectedUser("oura");
    const today = new Date().toISOString().slice(0, 10);
    const night = ouraNight({ day: today });
    await sim.oura.putSleep(user.vendorUserId, night);
    const queue = spyQueue();
    const { db, close } = testDb();
    try {
      await reconcileConnections(db, { ...testEnv, INGEST_QUEUE: queue } as unknown as Env, loadConfig(testEnv));
    } finally {
      await close();
    }
    const mine = (queue.bodies as SyncRangeMessage[]).filter((m) => m.connection_id === user.connectionId);
    expect(mine).toHaveLength(1);
    await runIngest(mine);
    expect((await sleepRows(user.userId)).map((row) => row.date)).toEqual([today]);
  });
});

describe("Oura webhook subscriptions", () => {
  it("are created once per event type for each mapped data type, recorded, and a soon-expiring one is renewed in the simulator", async () => {
    const config = loadConfig(testEnv);
    const { db, close } = testDb();
    try {
      const ensured = await ensureOuraSubscriptions(db, config, "https://hub.test/webhooks/oura");
      const pairs = ["daily_sleep", "sleep", "workout"].flatMap((type) => ["create", "delete", "update"].map((event) => `${event}:${type}`));
      expect(ensured.map((e) => `${e.subscription.event_type}:${e.subscription.data_type}`).sort()).toEqual(pairs.sort());
      // Running it again adopts what exists instead of duplicating it.
      const again = await ensureOuraSubscriptions(db, config, "https://hub.test/webhooks/oura");
      expect(again.every((e) => !e.created)).toBe(true);
      expect(again.map((e) => e.subscription.id).sort()).toEqual(ensured.map((e) => e.subscription.id).sort());
      expect((await sim.oura.subscriptions()).filter((s) => s.data_type === "sleep")).toHaveLength(3);
      expect((await sim.oura.subscriptions()).filter((s) => s.data_type === "workout")).toHaveLength(3);

      const [soon, later] = ensured.map((e) => e.subscription.id);
      const nowMs = Date.now();
      await query("UPDATE webhook_subscriptions SET expires_at = $2 WHERE subscription_id = $1", [soon, new Date(nowMs + 2 * 86_400_000).toISOString()]);
      await query("UPDATE webhook_subscriptions SET expires_at = $2 WHERE subscription_id = $1", [later, new Date(nowMs + 20 * 86_400_000).toISOString()]);
      const before = (await sim.oura.requests()).length;

      const result = await renewOuraSubscriptions(db, config, nowMs);
      expect(result.renewed).toBeGreaterThanOrEqual(1);
      const renewCalls = (await sim.oura.requests()).slice(before).filter((r) => r.method === "PUT");
      expect(renewCalls.map((r) => [r.path, r.status])).toContainEqual([`/v2/webhook/subscription/renew/${soon}`, 200]);
      expect(renewCalls.some((r) => r.path.endsWith(`/${later}`))).toBe(false);

      const inSim = (await sim.oura.subscriptions()).find((s) => s.id === soon) as { expiration_time: string };
      const [row] = await query<{ expires_at: Date }>("SELECT expires_at FROM webhook_subscriptions WHERE subscription_id = $1", [soon]);
      expect(new Date(row!.expires_at).toISOString()).toBe(new Date(inSim.expiration_time).toISOString());
      expect(Date.parse(inSim.expiration_time)).toBeGreaterThan(nowMs + 7 * 86_400_000);
    } finally {
      await close();
    }
  });

  it("creates again a recorded subscription that Oura no longer has (its renewal answers 403)", async () => {
    const ghost = crypto.randomUUID();
    const callback = "https://hub.test/webhooks/oura";
    await query(
      "INSERT INTO webhook_subscriptions (vendor, subscription_id, event_type, data_type, callback_url, expires_at) VALUES ('oura', $1, 'update', 'sleep', $2, now())",
      [ghost, callback],
    );
    const before = (await sim.oura.requests()).length;
    const { db, close } = testDb();
    try {
      const result = await renewOuraSubscriptions(db, loadConfig(testEnv));
      expect(result.recreated).toBeGreaterThanOrEqual(1);
    } finally {
      await close();
    }
    const calls = (await sim.oura.requests()).slice(before);
    expect(calls).toContainEqual(expect.objectContaining({ method: "PUT", path: `/v2/webhook/subscription/renew/${ghost}`, status: 403 }));
    expect(await query("SELECT 1 FROM webhook_subscriptions WHERE subscription_id = $1", [ghost])).toEqual([]);
    // The pair is subscribed at Oura again (created, or adopted when one already existed) and recorded.
    const live = (await sim.oura.subscriptions()).find((s) => s.event_type === "update" && s.data_type === "sleep") as { id: string; callback_url: string };
    expect(live.callback_url).toBe(callback);
    expect(await query("SELECT callback_url FROM webhook_subscriptions WHERE subscription_id = $1", [live.id])).toEqual([{ callback_url: callback }]);
  });
});
