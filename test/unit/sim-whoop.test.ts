import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateWhoopActivity, generateWhoopHistory } from "../../scripts/sim/generate";
import { startWhoopSim, type WhoopSim } from "../../scripts/sim/whoop";

const CLIENT = { clientId: "test-whoop-client", clientSecret: "test-whoop-secret" };
const REDIRECT_URI = "http://127.0.0.1:9/oauth/whoop/callback";
const USER = 48_213;
const OTHER_USER = 77_001;

let sim: WhoopSim;
const history = generateWhoopHistory({ vendorUserId: USER, days: 30, endDate: "2026-03-31", seed: 11 });

beforeAll(async () => {
  sim = await startWhoopSim({ ...CLIENT, port: 0 });
  sim.addUser(USER, { first_name: "Ada" });
  sim.addUser(OTHER_USER);
  for (const sleep of history.sleeps) sim.putSleep(USER, sleep);
  for (const recovery of history.recoveries) sim.putRecovery(USER, recovery);
});

afterAll(async () => {
  await sim.stop();
});

async function authorize(query: Record<string, string>): Promise<URL> {
  const url = new URL(`${sim.url}/oauth/oauth2/auth`);
  const params = { client_id: CLIENT.clientId, response_type: "code", redirect_uri: REDIRECT_URI, ...query };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const response = await fetch(url, { redirect: "manual" });
  expect(response.status).toBe(302);
  return new URL(response.headers.get("location") ?? "");
}

async function token(form: Record<string, string>): Promise<Response> {
  return fetch(`${sim.url}/oauth/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, ...form }),
  });
}

async function connect(user: number, scope: string): Promise<Record<string, string>> {
  const callback = await authorize({ user: String(user), scope, state: "state-12345" });
  const response = await token({
    grant_type: "authorization_code",
    code: callback.searchParams.get("code") ?? "",
    redirect_uri: REDIRECT_URI,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, string>;
}

function api(path: string, accessToken: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.apiBase}${path}`, { ...init, headers: { authorization: `Bearer ${accessToken}` } });
}

describe("WHOOP simulator OAuth", () => {
  it("gives a rotating refresh token only for the offline scope", async () => {
    const online = await connect(USER, "read:profile read:sleep");
    expect(online.refresh_token).toBeUndefined();

    const offline = await connect(USER, "offline read:profile read:sleep read:recovery");
    expect(offline).toMatchObject({ token_type: "bearer" });
    const refreshed = await token({ grant_type: "refresh_token", refresh_token: offline.refresh_token ?? "", scope: "offline" });
    expect(refreshed.status).toBe(200);
    const rotated = (await refreshed.json()) as Record<string, string>;
    expect(rotated.refresh_token).toBeDefined();
    expect(rotated.refresh_token).not.toBe(offline.refresh_token);
    const reused = await token({ grant_type: "refresh_token", refresh_token: offline.refresh_token ?? "" });
    expect(reused.status).toBe(400);
    // A refresh without scope=offline (WHOOP's example always sends it) brings no new refresh token.
    const bare = await token({ grant_type: "refresh_token", refresh_token: rotated.refresh_token ?? "" });
    expect(bare.status).toBe(200);
    expect(((await bare.json()) as Record<string, string>).refresh_token).toBeUndefined();

    const profile = await api("/v2/user/profile/basic", rotated.access_token ?? "");
    expect(profile.status).toBe(200);
    const body = (await profile.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ user_id: USER, first_name: "Ada" });
    expect(Number.isInteger(body.user_id)).toBe(true);
  });

  it("refuses a state shorter than 8 characters, as WHOOP does", async () => {
    const callback = await authorize({ user: String(USER), state: "short" });
    expect(callback.searchParams.get("error")).toBe("invalid_state");
    expect(callback.searchParams.has("code")).toBe(false);
  });

  it("revokes access with DELETE /v2/user/access", async () => {
    const tokens = await connect(USER, "offline read:profile");
    const revoked = await api("/v2/user/access", tokens.access_token ?? "", { method: "DELETE" });
    expect(revoked.status).toBe(204);
    expect(sim.revokedTokens).toContain(tokens.access_token);
    expect((await api("/v2/user/profile/basic", tokens.access_token ?? "")).status).toBe(401);
    expect((await token({ grant_type: "refresh_token", refresh_token: tokens.refresh_token ?? "" })).status).toBe(400);
  });
});

describe("WHOOP simulator data", () => {
  it("serves a sleep by id and its cycle's recovery, only to the owner", async () => {
    const sleep = history.sleeps.find((item) => !item.nap);
    if (!sleep) throw new Error("no main sleep generated");
    const owner = await connect(USER, "read:sleep read:recovery");
    const other = await connect(OTHER_USER, "read:sleep read:recovery");

    const fetched = await api(`/v2/activity/sleep/${sleep.id}`, owner.access_token ?? "");
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toEqual(sleep);
    expect((await api(`/v2/activity/sleep/${sleep.id}`, other.access_token ?? "")).status).toBe(404);

    const recovery = await api(`/v2/cycle/${sleep.cycle_id}/recovery`, owner.access_token ?? "");
    expect(recovery.status).toBe(200);
    expect(await recovery.json()).toMatchObject({ cycle_id: sleep.cycle_id, sleep_id: sleep.id, score_state: "SCORED" });
    expect((await api("/v2/cycle/1/recovery", owner.access_token ?? "")).status).toBe(404);
  });

  it("pages through 30 days of sleep with nextToken, newest first, at most 25 a page", async () => {
    const { access_token = "" } = await connect(USER, "read:sleep");
    const seen: string[] = [];
    const starts: string[] = [];
    let nextToken: string | null = null;
    do {
      const query = new URLSearchParams({ start: "2026-02-01T00:00:00.000Z", end: "2026-04-01T00:00:00.000Z", limit: "25" });
      if (nextToken) query.set("nextToken", nextToken);
      const response = await api(`/v2/activity/sleep?${query}`, access_token);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { records: { id: string; start: string }[]; next_token: string | null };
      expect(page.records.length).toBeLessThanOrEqual(25);
      seen.push(...page.records.map((record) => record.id));
      starts.push(...page.records.map((record) => record.start));
      nextToken = page.next_token;
    } while (nextToken);

    expect(new Set(seen)).toEqual(new Set(history.sleeps.map((sleep) => sleep.id)));
    expect(seen).toHaveLength(history.sleeps.length);
    expect([...starts].sort().reverse()).toEqual(starts);
    expect((await api("/v2/activity/sleep?limit=26", access_token)).status).toBe(400);
  });

  it("lists recoveries in a time window", async () => {
    const { access_token = "" } = await connect(USER, "read:recovery");
    const response = await api("/v2/recovery?start=2026-03-25T00:00:00Z&end=2026-04-01T00:00:00Z&limit=25", access_token);
    const page = (await response.json()) as { records: { created_at: string }[]; next_token: string | null };
    const expected = history.recoveries.filter((recovery) => recovery.created_at >= "2026-03-25T00:00:00Z");
    expect(page.records).toHaveLength(expected.length);
    expect(page.next_token).toBeNull();
  });

  it("answers a planned 429 as WHOOP does (X-RateLimit-Reset, no Retry-After), then recovers with the limits stated", async () => {
    const { access_token = "" } = await connect(USER, "read:profile");
    sim.failNext(1, 429, 30);
    const limited = await api("/v2/user/profile/basic", access_token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("x-ratelimit-reset")).toBe("30");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("retry-after")).toBeNull();
    const ok = await api("/v2/user/profile/basic", access_token);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-ratelimit-limit")).toBe("100, 100;window=60, 10000;window=86400");
    expect(Number(ok.headers.get("x-ratelimit-remaining"))).toBeLessThan(100);
    expect(Number(ok.headers.get("x-ratelimit-reset"))).toBeLessThanOrEqual(60);
  });
});

describe("WHOOP simulator webhooks", () => {
  it("signs like WHOOP: base64 HMAC-SHA256 of the millisecond timestamp + body", () => {
    const event = { user_id: USER, id: history.sleeps[0]?.id ?? "", type: "sleep.updated", trace_id: "trace-1" };
    const before = Date.now();
    const signed = sim.signedWebhook(event);
    const timestamp = signed.headers["X-WHOOP-Signature-Timestamp"] ?? "";
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(timestamp)).toBeLessThanOrEqual(Date.now());
    const expected = createHmac("sha256", CLIENT.clientSecret).update(timestamp + signed.body).digest("base64");
    expect(signed.headers["X-WHOOP-Signature"]).toBe(expected);
    const tamperedBody = signed.body.replace("updated", "deleted");
    const tampered = createHmac("sha256", CLIENT.clientSecret).update(timestamp + tamperedBody).digest("base64");
    expect(signed.headers["X-WHOOP-Signature"]).not.toBe(tampered);
  });
});

describe("WHOOP simulator cycles and workouts", () => {
  const activity = generateWhoopActivity(USER, history, { seed: 11 });

  it("lists cycles and workouts newest first by start, and reads one by id for its owner only", async () => {
    for (const cycle of activity.cycles) sim.putCycle(USER, cycle);
    for (const workout of activity.workouts) sim.putWorkout(USER, workout);
    const { access_token = "" } = await connect(USER, "read:cycles read:workout");
    const { access_token: otherToken = "" } = await connect(OTHER_USER, "read:cycles read:workout");

    const cycles = await api("/v2/cycle?limit=25", access_token);
    const page = (await cycles.json()) as { records: { id: number; start: string }[]; next_token: string | null };
    expect(page.records).toHaveLength(25);
    expect(page.next_token).not.toBeNull();
    expect(page.records.map((c) => c.start)).toEqual([...page.records.map((c) => c.start)].sort().reverse());

    const cycle = activity.cycles[3]!;
    expect(await (await api(`/v2/cycle/${cycle.id}`, access_token)).json()).toEqual({ ...cycle, user_id: USER });
    expect((await api(`/v2/cycle/${cycle.id}`, otherToken)).status).toBe(404);
    // The recovery route of the same cycle still answers beside it.
    expect((await api(`/v2/cycle/${cycle.id}/recovery`, access_token)).status).toBe(200);

    const workout = activity.workouts[0]!;
    expect(await (await api(`/v2/activity/workout/${workout.id}`, access_token)).json()).toEqual({ ...workout, user_id: USER });
    const listed = (await (await api("/v2/activity/workout?limit=25", access_token)).json()) as { records: { id: string }[] };
    expect(listed.records.map((w) => w.id)).toContain(workout.id);
    expect(sim.deleteWorkout(workout.id)).toBe(true);
    expect((await api(`/v2/activity/workout/${workout.id}`, access_token)).status).toBe(404);
  });
});
