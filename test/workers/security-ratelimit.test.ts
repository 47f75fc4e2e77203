// Rate limits: per user on /v1 (after the token is verified), per client IP on the paths that carry no
// user token (/webhooks, /oauth). A refusal is 429 RATE_LIMITED with Retry-After, in the envelope.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import type { Env } from "../../workers/env";
import { testEnv } from "./helpers";
import { bearer } from "./sim";

/** What the runtime hands the fetch handler; a test-made Request only lacks the edge's `cf` details. */
type IncomingRequest = Request<unknown, IncomingRequestCfProperties>;

/** A limiter that allows `limit` calls per key and records the keys it was asked about. */
function tinyLimiter(limit: number) {
  const seen = new Map<string, number>();
  const limiter: RateLimit & { seen: Map<string, number> } = {
    seen,
    limit: async ({ key }) => {
      seen.set(key, (seen.get(key) ?? 0) + 1);
      return { success: seen.get(key)! <= limit };
    },
  };
  return limiter;
}

async function send(env: Env, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://hub.test${path}`, init) as IncomingRequest, env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function expectLimited(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  const body = (await res.json()) as { error: { code: string; request_id: string } };
  expect(body.error.code).toBe("RATE_LIMITED");
  expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
}

describe("per-user limit on /v1", () => {
  it("refuses a user past the limit with 429, while another user carries on", async () => {
    const limiter = tinyLimiter(3);
    const env = { ...testEnv, USER_RATE_LIMITER: limiter } as unknown as Env;
    const [alice, bob] = [`rl-alice-${crypto.randomUUID()}`, `rl-bob-${crypto.randomUUID()}`];
    for (let i = 0; i < 3; i++) {
      const res = await send(env, "/v1/me/export", { headers: await bearer(alice) });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    await expectLimited(await send(env, "/v1/me/export", { headers: await bearer(alice) }));
    await expectLimited(await send(env, "/v1/me", { method: "DELETE", headers: await bearer(alice) }));
    const other = await send(env, "/v1/me/export", { headers: await bearer(bob) });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
    expect([...limiter.seen.keys()].sort()).toEqual([`user:${alice}`, `user:${bob}`].sort());
  });

  it("counts only authenticated requests: a flood of bad tokens neither spends a user's budget nor reaches the limiter", async () => {
    const limiter = tinyLimiter(1);
    const env = { ...testEnv, USER_RATE_LIMITER: limiter } as unknown as Env;
    for (let i = 0; i < 5; i++) expect((await send(env, "/v1/me/export", { headers: { authorization: "Bearer a.b.c" } })).status).toBe(401);
    expect(limiter.seen.size).toBe(0);
    const res = await send(env, "/v1/me/export", { headers: await bearer(`rl-${crypto.randomUUID()}`) });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it("uses the configured binding, which allows 300 a minute per user (wrangler.toml)", async () => {
    // Exhausting it through the app would take 300 provisioned requests; the app's use of the binding
    // is shown above, so here the binding itself is exhausted under a key of this test's own.
    const limiter = testEnv.USER_RATE_LIMITER!;
    const key = `user:rl-binding-${crypto.randomUUID()}`;
    let allowed = 0;
    while ((await limiter.limit({ key })).success && allowed < 1_000) allowed += 1;
    // 300, unless the emulation's one-minute window turned over meanwhile (then more).
    expect(allowed).toBeGreaterThanOrEqual(300);
    expect(allowed).toBeLessThan(1_000);
    const env = { ...testEnv, USER_RATE_LIMITER: { limit: () => limiter.limit({ key }) } } as unknown as Env;
    await expectLimited(await send(env, "/v1/me/export", { headers: await bearer(`rl-${crypto.randomUUID()}`) }));
  });
});

describe("per-IP limit on /webhooks and /oauth", () => {
  it("refuses a client IP past the limit on both, and leaves other IPs and /v1 alone", async () => {
    const limiter = tinyLimiter(2);
    // One limiter object behind both bindings: the test counts every request it is asked about.
    const env = { ...testEnv, IP_RATE_LIMITER: limiter, WEBHOOK_RATE_LIMITER: limiter } as unknown as Env;
    const ip = { "cf-connecting-ip": "203.0.113.7" };
    const webhook = () => send(env, "/webhooks/whoop", { method: "POST", headers: { ...ip, "content-type": "application/json" }, body: "{}" });
    expect((await webhook()).status).toBe(401);
    expect((await send(env, "/oauth/oura/callback?code=x&state=y", { headers: ip })).status).not.toBe(429);
    await expectLimited(await webhook());
    await expectLimited(await send(env, "/oauth/whoop/callback?code=x&state=y", { headers: ip }));
    expect((await send(env, "/webhooks/whoop", { method: "POST", headers: { "cf-connecting-ip": "203.0.113.8" }, body: "{}" })).status).toBe(401);
    const api = await send(env, "/v1/me/export", { headers: { ...ip, ...(await bearer(`rl-${crypto.randomUUID()}`)) } });
    expect(api.status).toBe(200);
    await api.arrayBuffer();
    expect([...limiter.seen.keys()].sort()).toEqual(["ip:203.0.113.7", "ip:203.0.113.8"]);
  });

  it("is enforced by the configured OAuth binding (wrangler.toml: 600 a minute)", async () => {
    // The local emulation counts in fixed one-minute windows; a run that straddles a window edge starts over.
    const run = async () => {
      const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
      const window = Math.floor(Date.now() / 60_000);
      for (let i = 1; i <= 700; i++) {
        // testEnv's binding object keeps its counts across requests (a fresh env per request would not).
        const res = await send(testEnv as unknown as Env, "/oauth/no-such-vendor/callback", { headers: { "cf-connecting-ip": ip } });
        if (res.status === 429) return { firstRefusal: i, res, sameWindow: window === Math.floor(Date.now() / 60_000) };
        expect(res.status).not.toBe(429);
        await res.arrayBuffer();
      }
      return { firstRefusal: 0, res: undefined, sameWindow: window === Math.floor(Date.now() / 60_000) };
    };
    let outcome = await run();
    if (!outcome.sameWindow) outcome = await run();
    expect(outcome.firstRefusal).toBe(601);
    await expectLimited(outcome.res!);
  });
});

describe("limiter outage", () => {
  it("lets requests through when the limiter itself fails (it guards availability, not access)", async () => {
    const broken: RateLimit = { limit: async () => Promise.reject(new Error("limiter unavailable")) };
    const env = { ...testEnv, USER_RATE_LIMITER: broken, IP_RATE_LIMITER: broken, WEBHOOK_RATE_LIMITER: broken } as unknown as Env;
    const res = await send(env, "/v1/me/export", { headers: await bearer(`rl-${crypto.randomUUID()}`) });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect((await send(env, "/webhooks/whoop", { method: "POST", body: "{}" })).status).toBe(401);
  });
});
