// Bearer tokens on /v1/*: only a token signed by the identity provider's current keys, with the pinned
// algorithms and the right issuer, audience and lifetime, gets in. Every refusal is a 401 envelope.
import { createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { base64url, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import type { Env } from "../../workers/env";
import { clearJwksCache, expireJwksCache } from "../../workers/lib/jwks";
import { testEnv } from "./helpers";
import { sim } from "./sim";

const PROTECTED = "http://hub.test/v1/me/export";

interface Jwk { kid: string; alg: string; kty: string; n?: string; e?: string }

async function idpKeys(): Promise<Jwk[]> {
  return ((await (await fetch(testEnv.AUTH_JWKS_URL!)).json()) as { keys: Jwk[] }).keys;
}

const now = () => Math.floor(Date.now() / 1000);
const claims = (sub: string) => ({ sub, iss: testEnv.AUTH_ISSUER!, aud: testEnv.AUTH_AUDIENCE!, iat: now(), exp: now() + 600 });
const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

async function call(token: string | null, url = PROTECTED): Promise<Response> {
  return SELF.fetch(url, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
}

async function expectRefused(res: Response, message?: RegExp): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  const body = (await res.json()) as { error: { code: string; message: string; request_id: string } };
  expect(body.error.code).toBe("UNAUTHORIZED");
  expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
  if (message) expect(body.error.message).toMatch(message);
}

const sub = () => `auth-${crypto.randomUUID()}`;

describe("bearer tokens on /v1", () => {
  it("accepts a valid ES256 or RS256 token from the identity provider", async () => {
    for (const alg of ["ES256", "RS256"] as const) {
      const res = await call(await sim.idp.mint({ sub: sub(), alg }));
      expect(res.status, alg).toBe(200);
      await res.arrayBuffer();
    }
  });

  it("tolerates a small clock skew, but not more", async () => {
    const skewed = await call(await sim.idp.mint({ sub: sub(), expSeconds: -20 }));
    expect(skewed.status).toBe(200);
    await skewed.arrayBuffer();
    await expectRefused(await call(await sim.idp.mint({ sub: sub(), expSeconds: -3600 })), /expired/);
  });

  it("refuses a missing or malformed Authorization header", async () => {
    await expectRefused(await call(null), /missing/);
    await expectRefused(await SELF.fetch(PROTECTED, { headers: { authorization: "Basic dXNlcjpwYXNz" } }));
    await expectRefused(await call("not-a-jwt"));
    await expectRefused(await call("a.b.c"));
  });

  it("refuses a token signed by a key that is not in the key set, under a known or an unknown kid", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const known = (await idpKeys()).find((k) => k.alg === "ES256")!.kid;
    for (const kid of [known, `forged-${crypto.randomUUID()}`]) {
      const forged = await new SignJWT(claims(sub())).setProtectedHeader({ alg: "ES256", kid }).sign(privateKey);
      await expectRefused(await call(forged));
    }
  });

  it("refuses expired, not-yet-valid, wrong-audience and wrong-issuer tokens", async () => {
    await expectRefused(await call(await sim.idp.mint({ sub: sub(), expSeconds: -7200 })), /expired/);
    await expectRefused(await call(await sim.idp.mint({ sub: sub(), nbf: now() + 3600 })), /nbf/);
    await expectRefused(await call(await sim.idp.mint({ sub: sub(), aud: "another-app" })), /aud/);
    await expectRefused(await call(await sim.idp.mint({ sub: sub(), iss: "https://evil.example" })), /iss/);
    await expectRefused(await call(await sim.idp.mint({ sub: sub(), extra: { exp: null } })));
    await expectRefused(await call(await sim.idp.mint({ sub: sub(), extra: { exp: "tomorrow" } })));
  });

  it("refuses a token without a usable subject", async () => {
    await expectRefused(await call(await sim.idp.mint({ sub: "" })), /sub/);
    await expectRefused(await call(await sim.idp.mint({ sub: "x", extra: { sub: null } })), /sub/);
    await expectRefused(await call(await sim.idp.mint({ sub: "x", extra: { sub: 42 } })), /sub/);
    await expectRefused(await call(await sim.idp.mint({ sub: "x".repeat(256) })), /sub/);
  });

  it("refuses `alg: none`, even with a valid kid and claims", async () => {
    const kid = (await idpKeys())[0]!.kid;
    const token = `${encode({ alg: "none", typ: "JWT", kid })}.${encode(claims(sub()))}.`;
    await expectRefused(await call(token));
  });

  it("refuses HS256 signed with the identity provider's public key as the HMAC secret", async () => {
    const rsa = (await idpKeys()).find((k) => k.kty === "RSA")!;
    const publicKey = await crypto.subtle.importKey("jwk", rsa as JsonWebKey, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
    const spki = new Uint8Array((await crypto.subtle.exportKey("spki", publicKey)) as ArrayBuffer);
    const pem = `-----BEGIN PUBLIC KEY-----\n${btoa(String.fromCharCode(...spki)).replace(/(.{64})/g, "$1\n")}\n-----END PUBLIC KEY-----\n`;
    for (const secret of [new TextEncoder().encode(pem), spki, new TextEncoder().encode(JSON.stringify(rsa))]) {
      const token = await new SignJWT(claims(sub())).setProtectedHeader({ alg: "HS256", kid: rsa.kid }).sign(secret);
      await expectRefused(await call(token));
    }
  });

  it("refuses a token whose header claims an allowed algorithm for a key of another type", async () => {
    const ec = (await idpKeys()).find((k) => k.kty === "EC")!;
    const { privateKey } = await generateKeyPair("RS256");
    const token = await new SignJWT(claims(sub())).setProtectedHeader({ alg: "RS256", kid: ec.kid }).sign(privateKey);
    await expectRefused(await call(token));
  });

  it("answers 503, not 200, when the identity provider's keys cannot be fetched", async () => {
    clearJwksCache();
    const env = { ...testEnv, AUTH_JWKS_URL: "http://127.0.0.1:1/.well-known/jwks.json" } as unknown as Env;
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(PROTECTED, { headers: { authorization: `Bearer ${await sim.idp.mint({ sub: sub() })}` } }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");
  });
});

/** A key set URL of the test's own, and a counter of the identity provider's answers to it. */
function probedEnv() {
  const probe = crypto.randomUUID();
  const env = { ...testEnv, AUTH_JWKS_URL: `${testEnv.AUTH_JWKS_URL}?probe=${probe}` } as unknown as Env;
  const fetches = async () => (await sim.idp.requests()).filter((r) => r.query.probe === probe).length;
  // GET /v1/me: one small query once the token is verified (the load here is on the identity provider).
  const request = async (token: string) => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request("http://hub.test/v1/me", { headers: { authorization: `Bearer ${token}` } }), env, ctx);
    await waitOnExecutionContext(ctx);
    await res.arrayBuffer();
    return res.status;
  };
  return { probe, fetches, request };
}

describe("key rotation at the identity provider", () => {
  it("accepts tokens under the new keys after one key set refetch, refuses the old keys, and refetches no more under a flood of unknown kids", async () => {
    clearJwksCache();
    // A key set URL of this test's own, so that the identity provider's request log counts only our fetches.
    const { fetches, request } = probedEnv();
    const user = sub();
    const before = await sim.idp.mint({ sub: user });
    expect(await request(before)).toBe(200);
    expect(await fetches()).toBe(1);

    await sim.idp.rotateKeys();
    expect(await request(await sim.idp.mint({ sub: user }))).toBe(200);
    expect(await fetches()).toBe(2);
    expect(await request(await sim.idp.mint({ sub: user, alg: "RS256" }))).toBe(200);
    expect(await request(before)).toBe(401);

    const { privateKey } = await generateKeyPair("ES256");
    for (let i = 0; i < 20; i++) {
      const forged = await new SignJWT(claims(user)).setProtectedHeader({ alg: "ES256", kid: `flood-${i}` }).sign(privateKey);
      expect(await request(forged)).toBe(401);
    }
    // The rotation's refetch started the cooldown: neither the old token nor the flood fetched again.
    expect(await fetches()).toBe(2);
  });
});

describe("identity provider load: one JWKS fetch at a time, stale keys on error, failures remembered", () => {

  it("50 concurrent tokens on a cold cache make one JWKS fetch", async () => {
    clearJwksCache();
    const { probe, fetches, request } = probedEnv();
    // The provider is slow, so that every request arrives while the first fetch is still running.
    await sim.idp.setJwksBehaviour(probe, { delayMs: 500 });
    try {
      // One athlete's 50 distinct tokens (as 50 app instances would hold).
      const athlete = sub();
      const tokens = await Promise.all(Array.from({ length: 50 }, () => sim.idp.mint({ sub: athlete, extra: { jti: crypto.randomUUID() } })));
      const statuses = await Promise.all(tokens.map(request));
      expect(statuses).toEqual(Array(50).fill(200));
      expect(await fetches()).toBe(1);
    } finally {
      await sim.idp.setJwksBehaviour(probe, null);
    }
  });

  it("keeps verifying with the last good keys when the provider fails at refresh time", async () => {
    clearJwksCache();
    const { probe, fetches, request } = probedEnv();
    expect(await request(await sim.idp.mint({ sub: sub() }))).toBe(200);
    expect(await fetches()).toBe(1);

    await sim.idp.setJwksBehaviour(probe, { status: 500 });
    try {
      expireJwksCache(); // the ten minutes are up: the next token asks for a refresh, which fails
      const athlete = sub();
      const statuses = await Promise.all(Array.from({ length: 20 }, async () => request(await sim.idp.mint({ sub: athlete, extra: { jti: crypto.randomUUID() } }))));
      expect(statuses).toEqual(Array(20).fill(200));
      // One failed refresh; the failure is remembered, so the other tokens did not ask again.
      expect(await fetches()).toBe(2);
      // Tokens that are invalid stay invalid under the stale keys.
      expect(await request(await sim.idp.mint({ sub: sub(), aud: "another-app" }))).toBe(401);
    } finally {
      await sim.idp.setJwksBehaviour(probe, null);
    }
  });

  it("with the provider down and no keys held: 503, and 50 forged tokens cost one fetch", async () => {
    clearJwksCache();
    const { probe, fetches, request } = probedEnv();
    await sim.idp.setJwksBehaviour(probe, { status: 500 });
    try {
      const { privateKey } = await generateKeyPair("ES256");
      const forged = await Promise.all(Array.from({ length: 50 }, (_, i) =>
        new SignJWT(claims(sub())).setProtectedHeader({ alg: "ES256", kid: `forged-${i}` }).sign(privateKey)));
      const statuses = await Promise.all(forged.map(request));
      expect(statuses).toEqual(Array(50).fill(503));
      expect(await fetches()).toBe(1);
    } finally {
      await sim.idp.setJwksBehaviour(probe, null);
    }
  });
});
