import { SELF, runDurableObjectAlarm, runInDurableObject, abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { openDb } from "../../workers/lib/db";
import { executionContext, testEnv, waitFor } from "./helpers";
import { sim } from "./sim";
import { readinessClient } from "../../durable-objects/client";
import type { Env } from "../../workers/env";

describe("health", () => {
  it("answers liveness and readiness against the real Postgres", async () => {
    const live = await SELF.fetch("http://hub.test/health");
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok" });
    const ready = await SELF.fetch("http://hub.test/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.headers.get("x-request-id")).toBeTruthy();
  });

  it("reports 503 when Postgres cannot be reached", async () => {
    const broken = { ...testEnv, DATABASE_URL: "postgres://hub:wrong@127.0.0.1:1/hub" };
    const ctx = executionContext();
    const res = await worker.fetch(new Request("http://hub.test/health/ready"), broken, ctx);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe("UNAVAILABLE");
  });
});

describe("error envelope", () => {
  it("answers unknown routes with NOT_FOUND in the contract's envelope", async () => {
    const res = await SELF.fetch("http://hub.test/no/such/route", { headers: { "x-request-id": "req-12345678" } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: "NOT_FOUND", message: "no route for GET /no/such/route", request_id: "req-12345678" },
    });
  });

  it("fails clearly, naming the missing secret and not leaking values, when configuration is incomplete", async () => {
    const { DATABASE_URL: _omitted, ...rest } = testEnv;
    const ctx = executionContext();
    const res = await worker.fetch(new Request("http://hub.test/openapi.json"), rest as unknown as Env, ctx);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain("missing DATABASE_URL");
    expect(text).not.toContain(testEnv.OURA_CLIENT_SECRET);
    expect(JSON.parse(text).error.code).toBe("INTERNAL");
  });
});

describe("audit_log", () => {
  it("is append-only: the database refuses UPDATE, DELETE and TRUNCATE", async () => {
    const { pool, close } = openDb(testEnv);
    try {
      await pool.query("INSERT INTO audit_log (actor_ref, action, resource) VALUES ('system', 'test', 'audit_log')");
      await expect(pool.query("UPDATE audit_log SET action = 'tampered'")).rejects.toThrow(/append-only/);
      await expect(pool.query("DELETE FROM audit_log")).rejects.toThrow(/append-only/);
      await expect(pool.query("TRUNCATE audit_log")).rejects.toThrow(/append-only/);
      const { rows } = await pool.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'tampered'");
      expect(rows[0].n).toBe(0);
    } finally {
      await close();
    }
  });
});

describe("queues", () => {
  it("delivers a message sent to `ingest` to its consumer (an unreadable one is dead-lettered with the reason)", async () => {
    const marker = crypto.randomUUID();
    await testEnv.INGEST_QUEUE.send({ kind: "not-a-kind", marker });
    const { pool, close } = openDb(testEnv);
    try {
      const row = await waitFor(async () => {
        const { rows } = await pool.query("SELECT queue, reason FROM dead_letters WHERE body->>'marker' = $1", [marker]);
        return rows[0];
      });
      expect(row.queue).toBe("hub-ingest");
      expect(row.reason).toMatch(/invalid message/);
    } finally {
      await close();
    }
  });
});

describe("UserReadiness Durable Object", () => {
  it("keeps pending work across eviction, and its alarm fires and drains it", async () => {
    const userId = crypto.randomUUID();
    let stub = readinessClient(testEnv, userId);
    await stub.requestRecompute(userId, ["2026-11-20", "2026-11-21"]);
    await abortAllDurableObjects(); // evict the instance; only storage survives
    stub = readinessClient(testEnv, userId);
    expect((await stub.stats()).pendingDates).toEqual(["2026-11-20", "2026-11-21"]);
    const alarmSet = await runInDurableObject(stub, async (_instance: unknown, state: DurableObjectState) => state.storage.getAlarm());
    expect(alarmSet).not.toBeNull();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const stats = await stub.stats();
    expect(stats.pendingDates).toEqual([]);
    expect(stats.recomputeCount).toBe(1);
  });
});

describe("simulators", () => {
  it("are reachable from workerd through their control channel", async () => {
    const token = await sim.idp.mint({ sub: "sim-check" });
    expect(token.split(".")).toHaveLength(3);
    const jwks = await fetch(testEnv.AUTH_JWKS_URL!);
    expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
  });
});
