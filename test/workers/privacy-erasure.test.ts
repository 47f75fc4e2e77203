// DELETE /v1/me: the user is gone from every table, the readiness object and the vendors' grants; one
// audit record without biometric data remains; late webhooks and queue messages bring nothing back.
import {
  createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm, runInDurableObject, SELF, waitOnExecutionContext,
} from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { readinessClient } from "../../durable-objects/client";
import worker from "../../workers/index";
import type { Env } from "../../workers/env";
import { identityStub, readinessStub, testDb, testEnv, waitFor } from "./helpers";
import { findEverywhere, publicTables, seedUser, type SeededUser } from "./privacy-helpers";
import { bearer, sim } from "./sim";
import { connectedUser } from "./connected-user";

const handle = testDb();
afterAll(() => handle.close());

async function erase(user: SeededUser): Promise<Response> {
  return SELF.fetch("http://hub.test/v1/me", { method: "DELETE", headers: await bearer(user.sub) });
}

/** Gives the user's readiness object pending work (its own tables) and a pending alarm. */
async function fillReadinessObject(user: SeededUser): Promise<void> {
  await readinessClient(testEnv, user.id).requestRecompute(user.id, user.dates);
}

/** Rows in every table of an object's SQLite storage (its own and the key-value store), and its alarm. */
async function objectState(stub: DurableObjectStub) {
  return runInDurableObject(stub, async (_instance: unknown, state: DurableObjectState) => {
    const tables = state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_cf_METADATA'")
      .toArray();
    let rows = 0;
    for (const { name } of tables) rows += state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`).one().n;
    return { rows, alarm: await state.storage.getAlarm() };
  });
}

describe("DELETE /v1/me", () => {
  it("answers 202 and leaves no row in any table holding the user's id or subject", async () => {
    const [alice, bob] = await Promise.all([seedUser(handle, "erase-alice"), seedUser(handle, "erase-bob")]);
    expect(Object.keys(await findEverywhere(handle, [alice.id])).length).toBeGreaterThan(8);

    const res = await erase(alice);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "erased" });

    expect(await findEverywhere(handle, [alice.id, alice.sub])).toEqual({});
    // The raw vendor material is gone too: deliveries and records named by the vendor's account ids.
    expect(await findEverywhere(handle, [alice.ouraUserId, `"${alice.whoopUserId}"`])).toEqual({});
    // Bob is untouched.
    const bobRows = await findEverywhere(handle, [bob.id]);
    for (const table of ["connections", "sleep_daily", "hrv_daily", "phone_samples", "readiness_snapshots", "vendor_records", "sleep_sessions", "dead_letters", "trends_weekly"]) {
      expect(bobRows[`${table}.user_id`], table).toBeGreaterThan(0);
    }
  });

  it("covers every table the schema has (a new table must be added to the erasure or cascade from users)", async () => {
    const tables = await publicTables(handle);
    const alice = await seedUser(handle, "erase-coverage");
    const seeded = new Set(Object.keys(await findEverywhere(handle, [alice.id])).map((column) => column.split(".")[0]));
    const withoutUserData = ["audit_log", "dead_letter_replays", "schema_migrations", "webhook_subscriptions", "vendor_call_budget"];
    expect(tables.filter((t) => !seeded.has(t) && !withoutUserData.includes(t))).toEqual([]);
    expect((await erase(alice)).status).toBe(202);
    expect(await findEverywhere(handle, [alice.id, alice.sub])).toEqual({});
  });

  it("keeps exactly one audit record of the erasure, unlinked and free of biometric data", async () => {
    const alice = await seedUser(handle, "erase-audit");
    const res = await erase(alice);
    expect(res.status).toBe(202);
    const { rows } = await handle.pool.query("SELECT * FROM audit_log WHERE subject_ref = $1 AND action = 'erase'", [alice.auditRef]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_ref: alice.auditRef, resource: "user", request_id: res.headers.get("x-request-id") });
    const text = JSON.stringify(rows[0]);
    // The distinctive decimals (small integers such as a score would match inside any timestamp).
    for (const value of Object.values(alice.values).filter((v) => !Number.isInteger(v))) expect(text).not.toContain(String(value));
    // The pseudonym leads nowhere: only the audit trail still names it.
    const holders = Object.keys(await findEverywhere(handle, [alice.auditRef]));
    expect(holders.every((column) => column.startsWith("audit_log."))).toBe(true);
    const { rows: owners } = await handle.pool.query("SELECT count(*)::int AS n FROM users WHERE audit_ref = $1", [alice.auditRef]);
    expect(owners[0].n).toBe(0);
  });

  it("empties the user's readiness object (storage and alarm) and the subject's identity object", async () => {
    const alice = await seedUser(handle, "erase-do");
    await fillReadinessObject(alice);
    const filled = await objectState(readinessStub(alice.id));
    expect(filled.rows).toBeGreaterThan(0);
    expect(filled.alarm).not.toBeNull();
    // Through the Worker's own entry, so that work it leaves running after answering is waited for too.
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request("http://hub.test/v1/me", { method: "DELETE", headers: await bearer(alice.sub) }), testEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(202);
    expect(await objectState(readinessStub(alice.id))).toEqual({ rows: 0, alarm: null });
    expect(await objectState(identityStub(alice.sub))).toEqual({ rows: 0, alarm: null });
  });

  it("revokes both vendor grants", async () => {
    const alice = await seedUser(handle, "erase-revoke");
    expect((await erase(alice)).status).toBe(202);
    await waitFor(async () => ((await sim.oura.revokedTokens()).includes(alice.ouraTokens.access_token) ? true : undefined));
    await waitFor(async () => ((await sim.whoop.revokedTokens()).includes(alice.whoopTokens.access_token) ? true : undefined));
  });

  it("erases even when the vendors cannot be reached to revoke", async () => {
    const alice = await seedUser(handle, "erase-offline");
    const offline = { ...testEnv, OURA_REVOKE_URL: "http://127.0.0.1:1/oauth/revoke", WHOOP_API_BASE: "http://127.0.0.1:1/developer" } as unknown as Env;
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request("http://hub.test/v1/me", { method: "DELETE", headers: await bearer(alice.sub) }), offline, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(202);
    expect(await findEverywhere(handle, [alice.id, alice.sub])).toEqual({});
    expect(await sim.oura.revokedTokens()).not.toContain(alice.ouraTokens.access_token);
  });

  it("lets a later request with the same identity start a new, empty account", async () => {
    const alice = await seedUser(handle, "erase-again");
    expect((await erase(alice)).status).toBe(202);
    const res = await SELF.fetch("http://hub.test/v1/me/export", { headers: await bearer(alice.sub) });
    const doc = (await res.json()) as { user: { id: string }; sleep: unknown[]; connections: unknown[]; audit: unknown[] };
    expect(doc.user.id).not.toBe(alice.id);
    expect(doc.sleep).toEqual([]);
    expect(doc.connections).toEqual([]);
    // The old trail belongs to the old pseudonym: the new account sees only its own export.
    expect(doc.audit).toHaveLength(1);
  });
});

describe("after erasure, late deliveries bring nothing back", () => {
  it("a late webhook, vendor_event and insights message leave no row naming the user", async () => {
    const alice = await seedUser(handle, "erase-late");
    await fillReadinessObject(alice);
    expect((await erase(alice)).status).toBe(202);

    const webhook = await sim.oura.signedWebhook({
      event_type: "update", data_type: "sleep", object_id: `${alice.ouraUserId}-late`, event_time: new Date().toISOString(), user_id: alice.ouraUserId,
    }, {});
    const delivered = await SELF.fetch("http://hub.test/webhooks/oura", { method: "POST", headers: webhook.headers, body: webhook.body });
    expect(delivered.status).toBeLessThan(500);
    await testEnv.INGEST_QUEUE.send({
      kind: "vendor_event", vendor: "whoop", vendor_user_id: String(alice.whoopUserId), object_type: "sleep",
      object_id: crypto.randomUUID(), action: "upsert",
    });
    await testEnv.INSIGHTS_QUEUE.send({ user_id: alice.id, dates: alice.dates });
    await drained();
    // The readiness object may have been woken by the late message; its next run finds no user and empties it.
    const stub = readinessStub(alice.id);
    await runDurableObjectAlarm(stub);
    expect(await objectState(stub)).toEqual({ rows: 0, alarm: null });

    expect(await findEverywhere(handle, [alice.id, alice.sub])).toEqual({});
    const canonical = ["sleep_daily", "hrv_daily", "sleep_sessions", "vendor_records", "readiness_snapshots", "connections", "phone_samples"];
    const { rows } = await handle.pool.query(
      `SELECT (SELECT count(*) FROM connections WHERE vendor_user_id = ANY($1)) +
              (SELECT count(*) FROM vendor_records WHERE document::text LIKE '%' || $2 || '%') AS n`,
      [[alice.ouraUserId, String(alice.whoopUserId)], alice.ouraUserId],
    );
    expect(Number(rows[0].n), canonical.join(", ")).toBe(0);
  });
});

describe("a vendor account disconnected before the erasure", () => {
  it("its webhook deliveries stay in the user's export and go with the erasure; its late dead letters are not kept", async () => {
    const user = await connectedUser("oura");
    const auth = await bearer(user.subject);
    // A delivery the consumer records without fetching anything (a data type the hub does not map).
    const objectId = `readiness-${crypto.randomUUID()}`;
    const signed = await sim.oura.signedWebhook({
      event_type: "create", data_type: "daily_readiness", object_id: objectId, event_time: new Date().toISOString(), user_id: user.vendorUserId,
    }, {});
    expect((await SELF.fetch("http://hub.test/webhooks/oura", { method: "POST", headers: signed.headers, body: signed.body })).status).toBe(200);
    await waitFor(async () => (await handle.pool.query("SELECT 1 FROM webhook_events WHERE body->>'object_id' = $1", [objectId])).rows[0], 20_000);

    expect((await SELF.fetch("http://hub.test/v1/connections/oura", { method: "DELETE", headers: auth })).status).toBe(204);
    const exported = (await (await SELF.fetch("http://hub.test/v1/me/export", { headers: auth })).json()) as { webhook_events: { body: { object_id: string } }[] };
    expect(exported.webhook_events.map((e) => e.body.object_id)).toContain(objectId);

    // A dead letter of the disconnected account arriving late, and one of a connected account.
    const other = await connectedUser("whoop");
    const late = { kind: "vendor_event", vendor: "oura", vendor_user_id: user.vendorUserId, object_type: "sleep", object_id: "late", action: "upsert" };
    const kept = { kind: "sync_range", connection_id: other.connectionId, start_date: "2026-11-01", end_date: "2026-11-02", reason: "backfill" };
    const batch = createMessageBatch("hub-ingest-dlq", [
      { id: `late-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body: late },
      { id: `kept-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body: kept },
    ]);
    const ctx = createExecutionContext();
    await worker.queue!(batch, testEnv as unknown as Env, ctx);
    const outcome = await getQueueResult(batch, ctx);
    expect(outcome.explicitAcks).toHaveLength(2);
    const { rows: letters } = await handle.pool.query("SELECT user_id, body->>'kind' AS kind FROM dead_letters WHERE message_id = ANY($1)", [batch.messages.map((m) => m.id)]);
    expect(letters).toEqual([{ user_id: other.userId, kind: "sync_range" }]);

    expect((await SELF.fetch("http://hub.test/v1/me", { method: "DELETE", headers: auth })).status).toBe(202);
    expect(await findEverywhere(handle, [user.userId, user.vendorUserId])).toEqual({});
  });
});

/** Waits until both queues consumed a marker sent after everything else (it ends as a dead letter). */
async function drained(): Promise<void> {
  const markers = [crypto.randomUUID(), crypto.randomUUID()];
  await testEnv.INGEST_QUEUE.send({ kind: "marker", marker: markers[0] });
  await testEnv.INSIGHTS_QUEUE.send({ kind: "marker", marker: markers[1] });
  for (const marker of markers) {
    await waitFor(async () => {
      const { rows } = await handle.pool.query("SELECT 1 FROM dead_letters WHERE body->>'marker' = $1", [marker]);
      return rows[0];
    }, 20_000);
  }
}
