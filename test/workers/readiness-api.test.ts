// GET /v1/me/readiness, /history and /live: sources of a snapshot (cache, Postgres, computed on the
// spot), 404 without data, range validation, audit rows, and the OpenAPI description.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readinessClient } from "../../durable-objects/client";
import { addDays } from "../../workers/lib/calendar";
import { computeReadinessSeries } from "../../workers/readiness";
import { testEnv, waitFor } from "./helpers";
import { connectedUser } from "./connected-user";
import { bearer, sim } from "./sim";
import {
  asModelInput, auditRows, newUser, sql, steadyNights, storedSnapshots, utcToday, writeNights, type StoredSnapshot,
} from "./readiness-fixtures";

const ITEM_KEYS = ["algorithm_version", "baseline", "components", "computed_at", "confidence", "date", "level", "score"];
const get = (path: string, auth: Record<string, string>) => SELF.fetch(`http://hub.test${path}`, { headers: auth });

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string; request_id: string } }).error.code;
}

describe("GET /v1/me/readiness", () => {
  it("answers 404 in the envelope when the user has no data at all", async () => {
    const user = await newUser();
    const res = await get("/v1/me/readiness", user.auth);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; request_id: string } };
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("computes a date with data but no snapshot on the spot, stores it, and audits the read", async () => {
    const user = await newUser();
    const today = utcToday();
    const nights = steadyNights(today, 45);
    await writeNights(user.id, nights);
    const date = addDays(today, -1);

    const res = await get(`/v1/me/readiness?date=${date}`, user.auth);
    expect(res.status).toBe(200);
    const item = (await res.json()) as StoredSnapshot;
    expect(Object.keys(item).sort()).toEqual(ITEM_KEYS);
    const [expected] = computeReadinessSeries(asModelInput(nights), [date]);
    const { reasons: _none, ...expectedItem } = expected!;
    expect(item).toEqual({ ...expectedItem, computed_at: item.computed_at });
    expect(item.score).toBeGreaterThanOrEqual(0);
    expect(Date.parse(item.computed_at)).not.toBeNaN();

    expect(await storedSnapshots(user.id)).toEqual([item]);
    expect(await readinessClient(testEnv, user.id).getSnapshot(date)).toEqual(item);
    const audit = await auditRows(user.auditRef);
    expect(audit).toEqual([
      { action: "read", resource: "readiness_snapshots", actor_ref: user.auditRef, request_id: res.headers.get("x-request-id") },
    ]);
  });

  it("defaults to the user's today and reports insufficient data honestly", async () => {
    const user = await newUser();
    const today = utcToday();
    await writeNights(user.id, steadyNights(today, 5)); // far too little history for a baseline
    const res = await get("/v1/me/readiness", user.auth);
    expect(res.status).toBe(200);
    const item = (await res.json()) as StoredSnapshot;
    expect(item).toMatchObject({ date: today, score: null, level: "insufficient_data", confidence: 0 });
  });

  it("serves a snapshot stored in Postgres and keeps it in the Durable Object cache", async () => {
    const user = await newUser();
    const today = utcToday();
    await writeNights(user.id, steadyNights(today, 30));
    const date = addDays(today, -2);
    const [model] = computeReadinessSeries(asModelInput(steadyNights(today, 30)), [date]);
    await sql(
      `INSERT INTO readiness_snapshots (user_id, date, score, level, confidence, components, baseline, algorithm_version, computed_at)
       VALUES ($1, $2, 42, 'moderate', 0.5, $3, $4, $5, '2026-01-02T03:04:05.678Z')`,
      [user.id, date, JSON.stringify(model!.components), JSON.stringify(model!.baseline), model!.algorithm_version],
    );
    const res = await get(`/v1/me/readiness?date=${date}`, user.auth);
    expect(res.status).toBe(200);
    const item = (await res.json()) as StoredSnapshot;
    expect(item).toMatchObject({ date, score: 42, level: "moderate", confidence: 0.5, computed_at: "2026-01-02T03:04:05.678Z" });
    const cached = await waitFor(async () => (await readinessClient(testEnv, user.id).getSnapshot(date)) ?? undefined);
    expect(cached).toEqual(item);
  });

  it("refuses impossible dates and dates after the user's today", async () => {
    const user = await newUser();
    for (const date of ["2026-02-30", "2026-1-5", "tomorrow", addDays(utcToday(), 2)]) {
      const res = await get(`/v1/me/readiness?date=${date}`, user.auth);
      expect(res.status, date).toBe(400);
      expect(await errorCode(res)).toBe("BAD_REQUEST");
    }
  });

  it("requires a bearer token", async () => {
    const res = await SELF.fetch("http://hub.test/v1/me/readiness");
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe("UNAUTHORIZED");
  });
});

describe("GET /v1/me/readiness/history", () => {
  it("lists the stored snapshots of an inclusive range in date order, in the item shape", async () => {
    const user = await newUser();
    const today = utcToday();
    await writeNights(user.id, steadyNights(today, 60));
    const stub = readinessClient(testEnv, user.id);
    await stub.requestRecompute(user.id, [addDays(today, -12)]); // snapshots for today-12 … today
    const stored = await waitFor(async () => {
      const rows = await storedSnapshots(user.id);
      return rows.length === 13 ? rows : undefined;
    });

    const res = await get(`/v1/me/readiness/history?from=${addDays(today, -10)}&to=${addDays(today, -6)}`, user.auth);
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: StoredSnapshot[] };
    expect(items).toEqual(stored.slice(2, 7));
    for (const item of items) expect(Object.keys(item).sort()).toEqual(ITEM_KEYS);
    expect((await auditRows(user.auditRef)).map((r) => r.resource)).toEqual(["readiness_snapshots"]);
  });

  it("validates the range: real dates, from <= to, at most 366 days", async () => {
    const user = await newUser();
    const today = new Date().toISOString().slice(0, 10);
    const cases: [string, number][] = [
      [`from=${addDays(today, -364)}&to=${today}`, 200], // 365 days
      [`from=${addDays(today, -365)}&to=${today}`, 200], // 366 days
      [`from=${addDays(today, -366)}&to=${today}`, 400], // 367 days
      ["from=2024-01-01&to=2024-12-31", 400], // more than two years ago
      ["from=2025-03-02&to=2025-03-01", 400],
      ["from=2025-02-29&to=2025-03-01", 400],
      ["from=2025-13-01&to=2025-12-01", 400],
      ["from=01-02-2025&to=2025-03-01", 400],
    ];
    for (const [query, status] of cases) {
      const res = await get(`/v1/me/readiness/history?${query}`, user.auth);
      expect(res.status, query).toBe(status);
      if (status === 400) expect(await errorCode(res)).toBe("BAD_REQUEST");
    }
  });
});

describe("GET /v1/me/readiness/live", () => {
  it("answers a request that is not a WebSocket upgrade with 426 in the envelope", async () => {
    const user = await newUser();
    const res = await get("/v1/me/readiness/live", user.auth);
    expect(res.status).toBe(426);
    expect(res.headers.get("upgrade")).toBe("websocket");
    const body = (await res.json()) as { error: { code: string; message: string; request_id: string } };
    expect(body.error.code).toBe("UPGRADE_REQUIRED");
    expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("refuses an upgrade without a valid bearer token", async () => {
    const res = await SELF.fetch("http://hub.test/v1/me/readiness/live", { headers: { upgrade: "websocket", authorization: "Bearer a.b.c" } });
    expect(res.status).toBe(401);
    expect(res.webSocket).toBeNull();
  });

  it("opens a socket that answers ping, and audits the subscription", async () => {
    const user = await newUser();
    const res = await SELF.fetch("http://hub.test/v1/me/readiness/live", { headers: { ...user.auth, upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const socket = res.webSocket!;
    const replies: string[] = [];
    socket.addEventListener("message", (event) => {
      replies.push(event.data as string);
    });
    socket.accept();
    socket.send("ping");
    expect(await waitFor(async () => replies[0])).toBe("pong");
    socket.close(1000, "done");
    expect((await auditRows(user.auditRef)).map((r) => r.resource)).toEqual(["readiness_snapshots:live"]);
  });

  /** Opens the live socket with `auth` and records how it closes. */
  async function openLive(auth: Record<string, string>) {
    const res = await SELF.fetch("http://hub.test/v1/me/readiness/live", { headers: { ...auth, upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const socket = res.webSocket!;
    const closed: { code?: number; reason?: string } = {};
    socket.addEventListener("close", (event) => Object.assign(closed, { code: event.code, reason: event.reason }));
    socket.accept();
    return { socket, closed };
  }

  it("closes the socket when the bearer token it was opened with expires (code 4001), not before", async () => {
    const subject = `live-exp-${crypto.randomUUID()}`;
    const short = await openLive({ authorization: `Bearer ${await sim.idp.mint({ sub: subject, expSeconds: 2 })}` });
    const long = await openLive({ authorization: `Bearer ${await sim.idp.mint({ sub: subject, expSeconds: 3600 })}` });
    expect(await waitFor(async () => short.closed.code, 15_000)).toBe(4001);
    expect(short.closed.reason).toBe("token expired");
    // The other socket of the same user, under a token still valid, stays open and answers.
    const replies: string[] = [];
    long.socket.addEventListener("message", (event) => void replies.push(event.data as string));
    long.socket.send("ping");
    expect(await waitFor(async () => replies[0])).toBe("pong");
    expect(long.closed.code).toBeUndefined();
    long.socket.close(1000, "done");
  });

  it("closes the user's sockets when they disconnect a vendor (code 4002)", async () => {
    const user = await connectedUser("oura");
    const auth = await bearer(user.subject);
    const live = await openLive(auth);
    expect((await SELF.fetch("http://hub.test/v1/connections/oura", { method: "DELETE", headers: auth })).status).toBe(204);
    expect(await waitFor(async () => live.closed.code)).toBe(4002);
    expect(live.closed.reason).toBe("vendor disconnected");
  });
});

describe("OpenAPI", () => {
  it("documents the profile, readiness, history, live upgrade, hrv and sleep routes", async () => {
    const doc = (await (await SELF.fetch("http://hub.test/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: { name: string }[] }>>;
    };
    expect(Object.keys(doc.paths["/v1/me"]!).sort()).toEqual(expect.arrayContaining(["get", "patch"]));
    for (const path of ["/v1/me/readiness", "/v1/me/readiness/history", "/v1/me/hrv", "/v1/me/sleep"]) {
      expect(doc.paths[path]?.get?.responses, path).toHaveProperty("200");
      expect(doc.paths[path]?.get?.responses, path).toHaveProperty("400");
    }
    expect(doc.paths["/v1/me/readiness"]!.get!.responses).toHaveProperty("404");
    expect(doc.paths["/v1/me/readiness/history"]!.get!.parameters!.map((p) => p.name).sort()).toEqual(["from", "to"]);
    expect(Object.keys(doc.paths["/v1/me/readiness/live"]!.get!.responses).sort()).toEqual(["101", "401", "426"]);
  });
});
