import { SELF, runDurableObjectAlarm, runInDurableObject, abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../../workers/index";
import { openDb } from "../../workers/lib/db";
import { READY_CACHE_MS } from "../../workers/api/health";
import { executionContext, readinessStub, testEnv, waitFor } from "./helpers";
import { bearer, sim } from "./sim";
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

  it("probes Postgres at most once per few seconds per isolate, however often it is asked", async () => {
    await (await SELF.fetch("http://hub.test/health/ready")).arrayBuffer(); // warm
    const answers = await Promise.all(Array.from({ length: 20 }, () => SELF.fetch("http://hub.test/health/ready")));
    const bodies = (await Promise.all(answers.map((res) => res.json()))) as { status: string; checked_at: string }[];
    expect(answers.every((res) => res.status === 200)).toBe(true);
    // The answers report the warm-up's probe (or, should its READY_CACHE_MS window end meanwhile, one more).
    expect(READY_CACHE_MS).toBeGreaterThan(0);
    expect(new Set(bodies.map((b) => b.checked_at)).size).toBeLessThanOrEqual(2);
  });

  it("is rate limited per client IP like the other unauthenticated paths", async () => {
    let calls = 0;
    const limiter = { limit: async () => ({ success: ++calls <= 2 }) };
    const env = { ...testEnv, IP_RATE_LIMITER: limiter } as unknown as Env;
    const ask = () => worker.fetch(new Request("http://hub.test/health/ready", { headers: { "cf-connecting-ip": "203.0.113.9" } }), env, executionContext());
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    const limited = await ask();
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
  });
});

describe("error envelope", () => {
  it("answers unknown routes with NOT_FOUND in the contract's envelope, under the hub's own request id", async () => {
    const res = await SELF.fetch("http://hub.test/no/such/route", { headers: { "x-request-id": "req-12345678" } });
    expect(res.status).toBe(404);
    const requestId = res.headers.get("x-request-id")!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({
      error: { code: "NOT_FOUND", message: "no route for GET /no/such/route", request_id: requestId },
    });
  });

  it("never takes the client's x-request-id into the audit trail; it is logged beside the hub's own", async () => {
    const auth = await bearer(`request-id-${crypto.randomUUID()}`);
    const chosen = `forged-${crypto.randomUUID()}`;
    const logged: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void logged.push(String(line)));
    const res = await worker.fetch(
      new Request("http://hub.test/v1/me", {
        method: "PATCH", headers: { ...auth, "content-type": "application/json", "x-request-id": chosen }, body: JSON.stringify({ timezone: "Europe/Berlin" }),
      }),
      testEnv, executionContext(),
    );
    spy.mockRestore();
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id")!;
    expect(requestId).not.toBe(chosen);
    const { pool, close } = openDb(testEnv);
    try {
      const { rows } = await pool.query("SELECT request_id FROM audit_log WHERE request_id IN ($1, $2)", [chosen, requestId]);
      expect(rows).toEqual([{ request_id: requestId }]);
    } finally {
      await close();
    }
    expect(logged.some((line) => line.includes(`"request_id":"${requestId}"`) && line.includes(`"client_request_id":"${chosen}"`))).toBe(true);
  });

  it("fails closed when configuration is incomplete, naming no setting to the caller and each missing one in the log", async () => {
    const { DATABASE_URL: _omitted, OURA_CLIENT_SECRET: _secret, ...rest } = testEnv;
    const ctx = executionContext();
    const logged: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => void logged.push(String(line)));
    const res = await worker.fetch(new Request("http://hub.test/openapi.json"), rest as unknown as Env, ctx);
    spy.mockRestore();
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text).error).toMatchObject({ code: "INTERNAL", message: "service misconfigured" });
    for (const name of ["DATABASE_URL", "OURA_CLIENT_SECRET", "OURA", "SECRET"]) expect(text).not.toContain(name);
    expect(text).not.toContain(testEnv.OURA_CLIENT_SECRET);
    const line = logged.find((l) => l.includes('"config_invalid"'))!;
    expect(line).toContain("missing DATABASE_URL");
    expect(line).toContain("missing OURA_CLIENT_SECRET");
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
    let stub = readinessStub(userId);
    await stub.requestRecompute(userId, ["2026-11-20", "2026-11-21"]);
    await abortAllDurableObjects(); // evict the instance; only storage survives
    stub = readinessStub(userId);
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
