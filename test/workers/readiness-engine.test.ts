// The readiness engine end to end in workerd: insights queue → UserReadiness DO → Postgres snapshots,
// the DO's cache and live WebSockets, burst coalescing, erased users, and reads while Postgres is down.
import { SELF, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../workers/index";
import { identityMemory, readinessClient } from "../../durable-objects/client";
import { addDays } from "../../workers/lib/calendar";
import type { Env } from "../../workers/env";
import { forgetVerifiedUser } from "../../workers/lib/users";
import { computeReadinessSeries } from "../../workers/readiness";
import { executionContext, readinessStub, testEnv, waitFor } from "./helpers";
import { bearer } from "./sim";
import {
  asModelInput, auditRows, newUser, sql, steadyNights, storedSnapshots, utcToday, writeNights, type StoredSnapshot,
} from "./readiness-fixtures";

/** Readiness messages; the socket also carries `trends.week_closed` (trends-rollup.test.ts). */
interface LiveMessage {
  type: string;
  snapshot: StoredSnapshot;
}

async function openLive(auth: Record<string, string>): Promise<{ socket: WebSocket; messages: LiveMessage[] }> {
  const res = await SELF.fetch("http://hub.test/v1/me/readiness/live", { headers: { ...auth, upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const socket = res.webSocket!;
  const messages: LiveMessage[] = [];
  socket.addEventListener("message", (event) => {
    messages.push(JSON.parse(event.data as string) as LiveMessage);
  });
  socket.accept();
  return { socket, messages };
}

describe("insights message → readiness snapshot", () => {
  it("reaches readiness_snapshots and the user's open WebSocket, scored from the changed rows", async () => {
    const user = await newUser();
    const today = utcToday();
    const nights = steadyNights(today, 40);
    await writeNights(user.id, nights);
    const live = await openLive(user.auth);

    // Tonight's HRV collapses and resting HR rises: the change must show in the score.
    const changed = { ...nights[0]!, rmssd_ms: 30, resting_hr_bpm: 60 };
    await writeNights(user.id, [changed]);
    await testEnv.INSIGHTS_QUEUE.send({ user_id: user.id, dates: [today] });

    const stored = await waitFor(async () => (await storedSnapshots(user.id)).find((s) => s.date === today));
    const [expected] = computeReadinessSeries(asModelInput([changed, ...nights.slice(1)]), [today]);
    expect(stored.score).toBe(expected!.score);
    expect(stored.level).toBe(expected!.level);
    expect(stored.components).toEqual(expected!.components);
    expect(stored.algorithm_version).toBe(expected!.algorithm_version);

    const pushed = await waitFor(async () => live.messages.find((m) => m.type === "readiness" && m.snapshot.date === today));
    expect(pushed.type).toBe("readiness");
    expect(pushed.snapshot).toEqual(stored);
    expect(Object.keys(pushed.snapshot).sort()).toEqual(
      ["algorithm_version", "baseline", "components", "computed_at", "confidence", "date", "level", "score"],
    );
    live.socket.close(1000, "done");
  });

  it("keeps pushing to open sockets after another client disconnected at once", async () => {
    const user = await newUser();
    const today = utcToday();
    await writeNights(user.id, steadyNights(today, 30));
    const gone = await openLive(user.auth);
    gone.socket.close(1000, "bye");
    const live = await openLive(user.auth);

    const stub = readinessStub(user.id);
    await stub.requestRecompute(user.id, [today]);
    await runDurableObjectAlarm(stub);
    const pushed = await waitFor(async () => live.messages.find((m) => m.type === "readiness" && m.snapshot.date === today));
    expect(pushed.type).toBe("readiness");
    expect((await stub.stats()).pendingDates).toEqual([]);
    live.socket.close(1000, "done");
  });

  it("rescores a changed date and every later day that reads it, never past the user's today", async () => {
    const user = await newUser();
    const today = utcToday();
    await writeNights(user.id, steadyNights(today, 160));
    await testEnv.INSIGHTS_QUEUE.send({ user_id: user.id, dates: [addDays(today, -150), addDays(today, -3)] });

    const expected = [
      ...Array.from({ length: 67 }, (_, i) => addDays(today, -150 + i)), // D … D+66 (its baseline's last reader)
      ...Array.from({ length: 4 }, (_, i) => addDays(today, -3 + i)), // D … today
    ];
    const dates = await waitFor(async () => {
      const found = (await storedSnapshots(user.id)).map((s) => s.date);
      return found.length >= expected.length ? found : undefined;
    });
    expect(dates).toEqual(expected);
  });

  it("coalesces ten rapid messages for one user into one or two recomputes", async () => {
    const user = await newUser();
    const today = utcToday();
    await writeNights(user.id, steadyNights(today, 120));
    // Dates 10 days apart: each message's date appears only once that message was handled.
    const dates = Array.from({ length: 10 }, (_, k) => addDays(today, -10 * k - 9));
    for (const date of dates) await testEnv.INSIGHTS_QUEUE.send({ user_id: user.id, dates: [date] });

    const stub = readinessClient(testEnv, user.id);
    await waitFor(async () => {
      const stored = new Set((await storedSnapshots(user.id)).map((s) => s.date));
      const stats = await stub.stats();
      return dates.every((d) => stored.has(d)) && stats.pendingDates.length === 0 ? true : undefined;
    });
    const { recomputeCount, cachedDates } = await stub.stats();
    expect(recomputeCount).toBeGreaterThanOrEqual(1);
    expect(recomputeCount).toBeLessThanOrEqual(2);
    expect(cachedDates).toBe(100); // today-99 … today: each changed date and the days that read it
  });

  it("keeps the newest 120 dates of a long recompute in its cache, and every date in Postgres", async () => {
    const user = await newUser();
    const today = utcToday();
    await writeNights(user.id, steadyNights(today, 200));
    const dates = Array.from({ length: 200 }, (_, i) => addDays(today, -i));
    const stub = readinessStub(user.id);
    await stub.requestRecompute(user.id, dates);
    await runDurableObjectAlarm(stub);

    expect((await storedSnapshots(user.id)).length).toBe(200);
    expect((await stub.stats()).cachedDates).toBe(120);
    expect((await stub.getSnapshot(today))?.date).toBe(today);
    expect((await stub.getSnapshot(addDays(today, -119)))?.date).toBe(addDays(today, -119));
    expect(await stub.getSnapshot(addDays(today, -120))).toBeNull();
  });

  it("dead-letters a message with an impossible date instead of handing it to the user's object", async () => {
    const user = await newUser();
    await testEnv.INSIGHTS_QUEUE.send({ user_id: user.id, dates: ["2026-02-30"] });
    const letter = await waitFor(async () => (await sql<{ queue: string; reason: string }>(
      "SELECT queue, reason FROM dead_letters WHERE body->>'user_id' = $1", [user.id],
    )).rows[0]);
    expect(letter).toEqual({ queue: "hub-insights", reason: "dates holds an impossible calendar date" });
    expect((await readinessClient(testEnv, user.id).stats()).pendingDates).toEqual([]);
  });

  it("writes nothing and clears its storage when the user no longer exists", async () => {
    const user = await newUser();
    const today = utcToday();
    await writeNights(user.id, steadyNights(today, 30));
    const stub = readinessStub(user.id);
    await stub.requestRecompute(user.id, [today]);
    await sql("DELETE FROM users WHERE id = $1", [user.id]); // erased (rows cascade)

    await runDurableObjectAlarm(stub);
    const tables = await runInDurableObject(stub, async (_instance: unknown, state: DurableObjectState) => ({
      tables: state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> 'sqlite_sequence'").toArray(),
      alarm: await state.storage.getAlarm(),
    }));
    expect(tables).toEqual({ tables: [], alarm: null });
    expect(await storedSnapshots(user.id)).toEqual([]);
  });
});

describe("reads while Postgres is down", () => {
  const down = { ...testEnv, DATABASE_URL: "postgres://hub:wrong@127.0.0.1:1/hub" };
  const readiness = (auth: Record<string, string>, env: Env, query = "") =>
    worker.fetch(new Request(`http://hub.test/v1/me/readiness${query}`, { headers: auth }), env, executionContext());

  /** A user with a cached snapshot of today, known to this isolate and to the subject's identity instance. */
  async function warmUser() {
    const user = await newUser();
    await writeNights(user.id, steadyNights(utcToday(), 30));
    const warm = await readiness(user.auth, testEnv);
    expect(warm.status).toBe(200);
    const snapshot = await warm.json();
    await waitFor(async () => (await identityMemory(testEnv, user.sub).recall()) ?? undefined);
    return { user, snapshot };
  }

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("answers a cached read without Postgres; its audit row waits in the object and reaches audit_log", async () => {
    const { user, snapshot } = await warmUser();
    const logged: string[] = [];
    for (const level of ["log", "warn", "error"] as const) {
      vi.spyOn(console, level).mockImplementation((line: unknown) => void logged.push(String(line)));
    }
    const res = await readiness(user.auth, down);
    const requestId = res.headers.get("x-request-id")!;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(snapshot);
    // The user came from the isolate's cache: no attempt on Postgres failed for this request (its
    // only line is the request's summary).
    expect(logged.filter((line) => line.includes(requestId)).map((line) => JSON.parse(line).event)).toEqual(["request"]);

    // The batch insert fails (Postgres down), the row goes to the user's object, and the object
    // writes it once Postgres answers (its own configuration reaches the database).
    const audited = await waitFor(async () => (await auditRows(user.auditRef)).find((r) => r.request_id === requestId));
    expect(audited).toMatchObject({ action: "read", resource: "readiness_snapshots", actor_ref: user.auditRef });
    expect(logged.some((line) => line.includes('"read_audit_deferred"'))).toBe(true);
    expect(logged.some((line) => line.includes('"read_audit_rows_lost"'))).toBe(false);
  });

  it("identifies a user this isolate has not cached from the subject's remembered identity", async () => {
    const { user, snapshot } = await warmUser();
    forgetVerifiedUser(user.id);
    const res = await readiness(user.auth, down);
    const requestId = res.headers.get("x-request-id")!;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(snapshot);
    const audited = await waitFor(async () => (await auditRows(user.auditRef)).find((r) => r.request_id === requestId));
    expect(audited).toMatchObject({ action: "read", resource: "readiness_snapshots", actor_ref: user.auditRef });

    const uncached = await readiness(user.auth, down, `?date=${addDays(utcToday(), -1)}`);
    expect(uncached.status).toBe(503);
    expect(((await uncached.json()) as { error: { code: string } }).error.code).toBe("DATABASE_UNAVAILABLE");
  });

  it("forgets the subject → user link when the user's readiness object is erased", async () => {
    const user = await newUser();
    const memory = identityMemory(testEnv, user.sub);
    expect(await waitFor(async () => (await memory.recall()) ?? undefined)).toMatchObject({ id: user.id, auditRef: user.auditRef });
    await readinessClient(testEnv, user.id).erase();
    expect(await memory.recall()).toBeNull();
  });

  it("refuses with 503 a verified user it has never seen", async () => {
    const auth = await bearer(`never-seen-${crypto.randomUUID()}`);
    const res = await readiness(auth, down);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("DATABASE_UNAVAILABLE");
  });
});
