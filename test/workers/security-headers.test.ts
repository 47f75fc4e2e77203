// Security headers on every answer (errors included), no-store for personal data, CORS only for the
// origins listed in CORS_ORIGINS, and no stack trace or internal detail in any answer.
import { createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import type { Env } from "../../workers/env";
import { testEnv } from "./helpers";
import { bearer } from "./sim";

/** What the runtime hands the fetch handler; a test-made Request only lacks the edge's `cf` details. */
type IncomingRequest = Request<unknown, IncomingRequestCfProperties>;

const EVERY_ANSWER = {
  "strict-transport-security": /max-age=\d{8,}; includeSubDomains/,
  "x-content-type-options": /^nosniff$/,
  "x-frame-options": /^DENY$/,
  "referrer-policy": /^no-referrer$/,
  "content-security-policy": /frame-ancestors 'none'/,
};

async function send(env: Env, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://hub.test${path}`, init) as IncomingRequest, env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("security headers", () => {
  it("are on every kind of answer: success, refusal, validation error, unknown route, webhook", async () => {
    const auth = await bearer(`headers-${crypto.randomUUID()}`);
    const answers: [string, Response][] = [
      ["health", await SELF.fetch("http://hub.test/health")],
      ["openapi", await SELF.fetch("http://hub.test/openapi.json")],
      ["export", await SELF.fetch("http://hub.test/v1/me/export", { headers: auth })],
      ["no token", await SELF.fetch("http://hub.test/v1/me/export")],
      ["not found", await SELF.fetch("http://hub.test/definitely/not/here")],
      ["webhook", await SELF.fetch("http://hub.test/webhooks/whoop", { method: "POST", body: "{}" })],
      ["oauth", await SELF.fetch("http://hub.test/oauth/oura/callback", { redirect: "manual" })],
    ];
    for (const [name, res] of answers) {
      await res.arrayBuffer();
      for (const [header, pattern] of Object.entries(EVERY_ANSWER)) expect(res.headers.get(header), `${name}: ${header}`).toMatch(pattern);
      expect(res.headers.get("x-request-id"), name).toBeTruthy();
    }
  });

  it("forbid caching of anything under /v1 and /oauth, answered or refused", async () => {
    const auth = await bearer(`headers-${crypto.randomUUID()}`);
    for (const res of [
      await SELF.fetch("http://hub.test/v1/me/export", { headers: auth }),
      await SELF.fetch("http://hub.test/v1/me/export"),
      await SELF.fetch("http://hub.test/v1/nothing-here", { headers: auth }),
      await SELF.fetch("http://hub.test/oauth/oura/callback?code=x&state=y", { redirect: "manual" }),
    ]) {
      await res.arrayBuffer();
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
  });
});

describe("CORS", () => {
  const allowed = "https://app.example.com";
  const env = { ...testEnv, CORS_ORIGINS: ` ${allowed} , https://admin.example.com, *, not-an-origin` } as unknown as Env;

  it("answers a listed origin, and only that origin, on actual requests", async () => {
    const ok = await send(env, "/health", { headers: { origin: allowed } });
    expect(ok.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(ok.headers.get("vary")).toMatch(/Origin/);
    expect(ok.headers.get("access-control-expose-headers")).toMatch(/x-request-id/);
    for (const origin of ["https://evil.example.com", "https://app.example.com.evil.test", "null", "*", "not-an-origin"]) {
      const res = await send(env, "/health", { headers: { origin } });
      expect(res.headers.get("access-control-allow-origin"), origin).toBeNull();
    }
  });

  it("answers preflights from listed origins with 204, and refuses others with the envelope", async () => {
    const preflight = (origin: string) =>
      send(env, "/v1/me/export", { method: "OPTIONS", headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" } });
    const ok = await preflight(allowed);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(ok.headers.get("access-control-allow-headers")).toMatch(/authorization/);
    expect(ok.headers.get("access-control-allow-methods")).toMatch(/DELETE/);
    const refused = await preflight("https://evil.example.com");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
  });

  it("allows no origin at all when CORS_ORIGINS is unset", async () => {
    const res = await SELF.fetch("http://hub.test/health", { headers: { origin: allowed } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("error answers", () => {
  it("never carry a stack trace, an exception's own message or a secret when something breaks inside", async () => {
    const secret = testEnv.OURA_CLIENT_SECRET!;
    const exploding = {
      idFromName: () => {
        throw new Error(`exploded while holding ${secret} and ${testEnv.DATABASE_URL}`);
      },
    };
    const env = { ...testEnv, USER_READINESS: exploding } as unknown as Env;
    const res = await send(env, "/v1/me", { method: "DELETE", headers: await bearer(`headers-${crypto.randomUUID()}`) });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "INTERNAL", message: "internal error", request_id: res.headers.get("x-request-id") } });
    for (const leak of [secret, testEnv.DATABASE_URL, "exploded", " at ", ".ts:"]) expect(text).not.toContain(leak);
  });
});
