import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateOuraActivity, generateOuraHistory } from "../../scripts/sim/generate";
import { startOuraSim, type OuraSim } from "../../scripts/sim/oura";

const CLIENT = { clientId: "test-oura-client", clientSecret: "test-oura-secret" };
const REDIRECT_URI = "http://127.0.0.1:9/oauth/oura/callback";

let sim: OuraSim;

beforeAll(async () => {
  sim = await startOuraSim({ ...CLIENT, port: 0 });
  sim.addUser("ring-user-a");
  sim.addUser("ring-user-b", { age: 51 });
});

afterAll(async () => {
  await sim.stop();
});

async function authorize(query: Record<string, string>): Promise<URL> {
  const url = new URL(`${sim.url}/oauth/authorize`);
  const params = { client_id: CLIENT.clientId, response_type: "code", redirect_uri: REDIRECT_URI, ...query };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const response = await fetch(url, { redirect: "manual" });
  expect(response.status).toBe(302);
  return new URL(response.headers.get("location") ?? "");
}

async function token(form: Record<string, string>): Promise<Response> {
  return fetch(`${sim.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
}

async function connect(user: string): Promise<{ access_token: string; refresh_token: string }> {
  const callback = await authorize({ user, state: "state-1234" });
  const response = await token({
    grant_type: "authorization_code",
    code: callback.searchParams.get("code") ?? "",
    redirect_uri: REDIRECT_URI,
    ...secretForm(),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; refresh_token: string };
}

function api(path: string, accessToken?: string): Promise<Response> {
  return fetch(`${sim.url}${path}`, accessToken ? { headers: { authorization: `Bearer ${accessToken}` } } : {});
}

describe("Oura simulator OAuth", () => {
  it("exchanges a code, rotates the refresh token and serves the API to the new access token", async () => {
    const callback = await authorize({ user: "ring-user-b", state: "xyz-state", scope: "personal daily" });
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get("state")).toBe("xyz-state");
    const code = callback.searchParams.get("code") ?? "";

    const basic = Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString("base64");
    const exchanged = await fetch(`${sim.url}/oauth/token`, {
      method: "POST",
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI }),
    });
    expect(exchanged.status).toBe(200);
    const first = (await exchanged.json()) as Record<string, unknown>;
    expect(first).toMatchObject({ token_type: "bearer", scope: "personal daily" });
    expect(first.expires_in).toBeGreaterThan(0);

    const reusedCode = await token({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, ...secretForm() });
    expect(reusedCode.status).toBe(400);

    const refreshed = await token({ grant_type: "refresh_token", refresh_token: String(first.refresh_token), ...secretForm() });
    expect(refreshed.status).toBe(200);
    const second = (await refreshed.json()) as { access_token: string; refresh_token: string };
    expect(second.refresh_token).not.toBe(first.refresh_token);

    const oldRefresh = await token({ grant_type: "refresh_token", refresh_token: String(first.refresh_token), ...secretForm() });
    expect(oldRefresh.status).toBe(400);
    expect(await oldRefresh.json()).toEqual({ error: "invalid_grant" });

    const info = await api("/v2/usercollection/personal_info", second.access_token);
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ id: "ring-user-b", age: 51 });
  });

  it("refuses a wrong client secret and an unknown grant type", async () => {
    const wrongSecret = await token({
      grant_type: "refresh_token",
      refresh_token: "x",
      client_id: CLIENT.clientId,
      client_secret: "nope",
    });
    expect(wrongSecret.status).toBe(401);
    const unknownGrant = await token({ grant_type: "password", ...secretForm() });
    expect(unknownGrant.status).toBe(400);
  });

  it("sends the user back with an error when consent is declined or the account is unknown", async () => {
    const declined = await authorize({ deny: "1", state: "s1" });
    expect(declined.searchParams.get("error")).toBe("access_denied");
    expect(declined.searchParams.get("state")).toBe("s1");
    expect(declined.searchParams.has("code")).toBe(false);
    const unknown = await authorize({ user: "nobody", state: "s2" });
    expect(unknown.searchParams.get("error")).toBe("access_denied");
  });

  it("answers 401 without a token, after revocation and after expiry until a refresh", async () => {
    expect((await api("/v2/usercollection/personal_info")).status).toBe(401);

    const revoked = await connect("ring-user-a");
    const revoke = await fetch(`${sim.url}/oauth/revoke?access_token=${revoked.access_token}`, { method: "POST" });
    expect(revoke.status).toBe(200);
    expect(sim.revokedTokens).toContain(revoked.access_token);
    expect((await api("/v2/usercollection/personal_info", revoked.access_token)).status).toBe(401);
    const afterRevoke = await token({ grant_type: "refresh_token", refresh_token: revoked.refresh_token, ...secretForm() });
    expect(afterRevoke.status).toBe(400);

    const live = await connect("ring-user-a");
    sim.expireAccessTokens();
    expect((await api("/v2/usercollection/personal_info", live.access_token)).status).toBe(401);
    const refreshed = await token({ grant_type: "refresh_token", refresh_token: live.refresh_token, ...secretForm() });
    const { access_token } = (await refreshed.json()) as { access_token: string };
    expect((await api("/v2/usercollection/personal_info", access_token)).status).toBe(200);
  });

  it("never writes tokens or codes into the request log", () => {
    const logged = JSON.stringify(sim.requests);
    expect(sim.requests.length).toBeGreaterThan(0);
    expect(logged).not.toMatch(/oura_(at|rt|code)_/);
  });
});

describe("Oura simulator sleep collection", () => {
  it("pages through 30 days of sleep with next_token, every document once, in day order", async () => {
    const history = generateOuraHistory({ vendorUserId: "pager", days: 30, endDate: "2026-03-31", seed: 7 });
    sim.addUser("pager");
    for (const document of history) sim.putSleep("pager", document);
    const { access_token } = await connect("pager");

    const seen: string[] = [];
    const days: string[] = [];
    let nextToken: string | null = null;
    let pages = 0;
    do {
      const query = new URLSearchParams({ start_date: "2026-03-02", end_date: "2026-03-31" });
      if (nextToken) query.set("next_token", nextToken);
      const response = await api(`/v2/usercollection/sleep?${query}`, access_token);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { data: { id: string; day: string }[]; next_token: string | null };
      expect(page.data.length).toBeLessThanOrEqual(10);
      seen.push(...page.data.map((document) => document.id));
      days.push(...page.data.map((document) => document.day));
      nextToken = page.next_token;
      pages++;
    } while (nextToken);

    const expected = history.filter((document) => document.day >= "2026-03-02").map((document) => document.id);
    expect(new Set(seen)).toEqual(new Set(expected));
    expect(seen).toHaveLength(expected.length);
    expect(pages).toBe(Math.ceil(expected.length / 10));
    expect([...days].sort()).toEqual(days);
  });

  it("serves a document by id only to its owner and 404 once deleted", async () => {
    const [document] = generateOuraHistory({ vendorUserId: "ring-user-a", days: 1, endDate: "2026-04-02", seed: 3 });
    if (!document) throw new Error("generator returned no document");
    sim.putSleep("ring-user-a", document);
    const owner = await connect("ring-user-a");
    const other = await connect("ring-user-b");

    const found = await api(`/v2/usercollection/sleep/${document.id}`, owner.access_token);
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual(document);
    expect((await api(`/v2/usercollection/sleep/${document.id}`, other.access_token)).status).toBe(404);

    expect(sim.deleteSleep(document.id)).toBe(true);
    expect((await api(`/v2/usercollection/sleep/${document.id}`, owner.access_token)).status).toBe(404);
  });

  it("answers the planned failures with Retry-After, then recovers", async () => {
    const { access_token } = await connect("ring-user-a");
    sim.failNext(2, 429, 17);
    for (let i = 0; i < 2; i++) {
      const limited = await api("/v2/usercollection/personal_info", access_token);
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("17");
    }
    sim.failNext(1, 503);
    const unavailable = await api("/v2/usercollection/personal_info", access_token);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("retry-after")).toBeNull();
    expect((await api("/v2/usercollection/personal_info", access_token)).status).toBe(200);
  });
});

describe("Oura simulator webhooks", () => {
  let callbackServer: Server;
  let callbackUrl: string;
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  let answerChallenge = true;

  beforeAll(async () => {
    callbackServer = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (req.method === "GET") {
        const challenge = answerChallenge ? url.searchParams.get("challenge") : "wrong";
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ challenge }));
        return;
      }
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204);
        res.end();
      });
    });
    await new Promise<void>((resolve) => callbackServer.listen(0, "127.0.0.1", resolve));
    callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/webhooks/oura`;
  });

  afterAll(async () => {
    await new Promise((resolve) => callbackServer.close(resolve));
  });

  it("signs like Oura: upper-case hex HMAC-SHA256 of timestamp + body with the client secret", () => {
    const event = {
      event_type: "create",
      data_type: "sleep",
      object_id: "abc",
      event_time: "2026-03-01T07:00:00+00:00",
      user_id: "ring-user-a",
    } as const;
    const signed = sim.signedWebhook(event);
    const timestamp = signed.headers["x-oura-timestamp"] ?? "";
    expect(Number(timestamp)).toBeGreaterThan(1_600_000_000);
    expect(Number(timestamp)).toBeLessThan(10 ** 12);
    const expected = createHmac("sha256", CLIENT.clientSecret).update(timestamp + signed.body).digest("hex").toUpperCase();
    expect(signed.headers["x-oura-signature"]).toBe(expected);
    expect(JSON.parse(signed.body)).toEqual(event);

    const stale = sim.signedWebhook(signed.body, { timestampSeconds: 1_700_000_000 });
    expect(stale.headers["x-oura-timestamp"]).toBe("1700000000");
    expect(stale.headers["x-oura-signature"]).not.toBe(expected);
  });

  function subscriptionRequest(path: string, init: RequestInit = {}, secret = CLIENT.clientSecret): Promise<Response> {
    return fetch(`${sim.url}${path}`, {
      ...init,
      headers: { "x-client-id": CLIENT.clientId, "x-client-secret": secret, "content-type": "application/json" },
    });
  }

  it("creates a subscription after the callback answers the challenge, then lists, renews and deletes it", async () => {
    const body = JSON.stringify({ callback_url: callbackUrl, verification_token: "vt", event_type: "create", data_type: "sleep" });
    expect((await subscriptionRequest("/v2/webhook/subscription", { method: "POST", body }, "bad")).status).toBe(401);

    const created = await subscriptionRequest("/v2/webhook/subscription", { method: "POST", body });
    expect(created.status).toBe(201);
    const subscription = (await created.json()) as { id: string; expiration_time: string };
    expect(subscription).toMatchObject({ callback_url: callbackUrl, event_type: "create", data_type: "sleep" });
    expect(Date.parse(subscription.expiration_time)).toBeGreaterThan(Date.now());
    expect((await subscriptionRequest("/v2/webhook/subscription", { method: "POST", body })).status).toBe(409);

    const listed = (await (await subscriptionRequest("/v2/webhook/subscription")).json()) as { id: string }[];
    expect(listed.map((item) => item.id)).toEqual([subscription.id]);

    const live = sim.subscriptions.find((item) => item.id === subscription.id);
    if (!live) throw new Error("subscription missing from control API");
    live.expiration_time = new Date(Date.now() + 60_000).toISOString();
    const renewed = await subscriptionRequest(`/v2/webhook/subscription/renew/${subscription.id}`, { method: "PUT" });
    expect(renewed.status).toBe(200);
    const { expiration_time } = (await renewed.json()) as { expiration_time: string };
    expect(Date.parse(expiration_time)).toBeGreaterThan(Date.now() + 86_400_000);

    const event = {
      event_type: "create",
      data_type: "sleep",
      object_id: "doc-1",
      event_time: new Date().toISOString(),
      user_id: "ring-user-a",
    } as const;
    expect(await sim.notify(event)).toEqual([204]);
    const delivered = received.at(-1);
    const timestamp = String(delivered?.headers["x-oura-timestamp"]);
    const signature = createHmac("sha256", CLIENT.clientSecret).update(timestamp + delivered?.body).digest("hex");
    expect(String(delivered?.headers["x-oura-signature"]).toLowerCase()).toBe(signature);

    const removed = await subscriptionRequest(`/v2/webhook/subscription/${subscription.id}`, { method: "DELETE" });
    expect(removed.status).toBe(204);
    expect(sim.subscriptions).toHaveLength(0);
    expect(await sim.notify(event)).toEqual([]);
  });

  it("refuses a subscription whose callback fails the challenge or whose types are unknown", async () => {
    answerChallenge = false;
    const failing = JSON.stringify({ callback_url: callbackUrl, verification_token: "vt", event_type: "update", data_type: "sleep" });
    expect((await subscriptionRequest("/v2/webhook/subscription", { method: "POST", body: failing })).status).toBe(422);
    answerChallenge = true;
    const unknownType = JSON.stringify({
      callback_url: callbackUrl,
      verification_token: "vt",
      event_type: "create",
      data_type: "naps",
    });
    expect((await subscriptionRequest("/v2/webhook/subscription", { method: "POST", body: unknownType })).status).toBe(422);
    expect(sim.subscriptions).toHaveLength(0);
  });
});

function secretForm(): Record<string, string> {
  return { client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret };
}

describe("Oura simulator daily_sleep and workout collections", () => {
  it("list by day (both ends inclusive, paged) and read by id, like sleep; 404 for another user or once deleted", async () => {
    sim.addUser("active-user");
    const nights = generateOuraHistory({ vendorUserId: "active-user", days: 30, endDate: "2026-03-31", seed: 9 });
    const { dailySleep, workouts } = generateOuraActivity("active-user", nights, { seed: 9 });
    for (const doc of dailySleep) sim.putDocument("daily_sleep", "active-user", doc);
    for (const doc of workouts) sim.putDocument("workout", "active-user", doc);
    const owner = await connect("active-user");
    const other = await connect("ring-user-b");

    for (const [dataType, docs] of [["daily_sleep", dailySleep], ["workout", workouts]] as const) {
      const seen: string[] = [];
      let nextToken: string | null = null;
      do {
        const query = new URLSearchParams({ start_date: "2026-03-10", end_date: "2026-03-20", ...(nextToken ? { next_token: nextToken } : {}) });
        const response = await api(`/v2/usercollection/${dataType}?${query}`, owner.access_token);
        expect(response.status).toBe(200);
        const page = (await response.json()) as { data: { id: string }[]; next_token: string | null };
        seen.push(...page.data.map((doc) => doc.id));
        nextToken = page.next_token;
      } while (nextToken);
      const expected = docs.filter((doc) => doc.day >= "2026-03-10" && doc.day <= "2026-03-20").map((doc) => doc.id);
      expect(seen.sort(), dataType).toEqual(expected.sort());

      const first = docs[0]!;
      const own = await api(`/v2/usercollection/${dataType}/${first.id}`, owner.access_token);
      expect(await own.json()).toEqual(first);
      expect((await api(`/v2/usercollection/${dataType}/${first.id}`, other.access_token)).status).toBe(404);
      expect(sim.deleteDocument(dataType, first.id)).toBe(true);
      expect((await api(`/v2/usercollection/${dataType}/${first.id}`, owner.access_token)).status).toBe(404);
    }
  });
});
