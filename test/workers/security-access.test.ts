// Preview environments: with ACCESS_AUD set, every request needs a valid Cloudflare Access assertion
// (RS256, signed by the team's keys, for this application's audience), except the vendor webhooks.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import type { Env } from "../../workers/env";
import { testEnv } from "./helpers";
import { bearer, sim } from "./sim";

// The identity-provider simulator serves /cdn-cgi/access/certs as an Access team would.
const team = new URL(testEnv.AUTH_JWKS_URL!).origin;
const aud = `access-aud-${crypto.randomUUID()}`;
const preview = { ...testEnv, ACCESS_AUD: aud, ACCESS_TEAM_DOMAIN: team } as unknown as Env;

async function send(env: Env, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://pr-7.hub.test${path}`, { headers }), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const assertion = (options: { aud?: string; iss?: string; alg?: "RS256" | "ES256"; expSeconds?: number } = {}) =>
  sim.idp.mint({ sub: `preview-user-${crypto.randomUUID()}`, alg: "RS256", aud, iss: team, ...options });

async function expectForbidden(res: Response): Promise<void> {
  expect(res.status).toBe(403);
  const body = (await res.json()) as { error: { code: string; request_id: string } };
  expect(body.error.code).toBe("FORBIDDEN");
  expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
}

describe("Cloudflare Access in preview mode", () => {
  it("refuses every non-webhook request that carries no assertion", async () => {
    for (const path of ["/health", "/health/ready", "/openapi.json", "/v1/me/export", "/oauth/oura/callback?code=x&state=y", "/no/such/route"]) {
      await expectForbidden(await send(preview, path, await bearer(`preview-${crypto.randomUUID()}`)));
    }
  });

  it("lets a valid assertion through, to routes that then apply their own authentication", async () => {
    const health = await send(preview, "/health", { "cf-access-jwt-assertion": await assertion() });
    expect(health.status).toBe(200);
    const api = await send(preview, "/v1/me/export", { "cf-access-jwt-assertion": await assertion(), ...(await bearer(`preview-${crypto.randomUUID()}`)) });
    expect(api.status).toBe(200);
    await api.arrayBuffer();
    // Access alone is not a user: /v1 still wants its bearer token.
    expect((await send(preview, "/v1/me/export", { "cf-access-jwt-assertion": await assertion() })).status).toBe(401);
  });

  it("refuses assertions for another application, from another issuer, expired, ES256 or forged", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const kid = ((await (await fetch(`${team}/cdn-cgi/access/certs`)).json()) as { keys: { kid: string }[] }).keys[0]!.kid;
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ sub: "x", aud, iss: team, iat: now, exp: now + 600 }).setProtectedHeader({ alg: "RS256", kid }).sign(privateKey);
    const refused = [
      await assertion({ aud: "another-application" }),
      await assertion({ iss: "https://other-team.cloudflareaccess.com" }),
      await assertion({ expSeconds: -3600 }),
      await assertion({ alg: "ES256" }),
      forged,
      "not.a.jwt",
    ];
    for (const value of refused) await expectForbidden(await send(preview, "/health", { "cf-access-jwt-assertion": value }));
  });

  it("keeps the vendor webhooks reachable without an assertion (their signatures protect them)", async () => {
    const challenge = crypto.randomUUID();
    const res = await send(preview, `/webhooks/oura?verification_token=${encodeURIComponent(testEnv.OURA_WEBHOOK_VERIFICATION_TOKEN!)}&challenge=${challenge}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge });
    // …and still refuses what is not signed.
    const unsigned = await worker.fetch(
      new Request("http://pr-7.hub.test/webhooks/whoop", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
      preview,
      createExecutionContext(),
    );
    expect(unsigned.status).toBe(401);
  });

  it("fails closed when ACCESS_AUD is set but the team domain is missing or unusable", async () => {
    for (const domain of [undefined, "not a domain", "ftp://team.example"]) {
      const broken = { ...testEnv, ACCESS_AUD: aud, ACCESS_TEAM_DOMAIN: domain } as unknown as Env;
      const res = await send(broken, "/health", { "cf-access-jwt-assertion": await assertion() });
      expect(res.status, String(domain)).toBe(500);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("INTERNAL");
      // The caller is not authenticated: the answer names no setting.
      expect(body.error.message).not.toMatch(/ACCESS|TEAM|DOMAIN/i);
    }
  });

  it("is off when ACCESS_AUD is unset (production)", async () => {
    expect((await send(testEnv as unknown as Env, "/health")).status).toBe(200);
  });
});

describe("a preview Worker (ENVIRONMENT=preview) without ACCESS_AUD", () => {
  const openPreview = { ...testEnv, ENVIRONMENT: "preview", ACCESS_AUD: undefined, ACCESS_TEAM_DOMAIN: undefined } as unknown as Env;

  it("refuses /v1, /ops (a path no route serves yet), health, OpenAPI and OAuth callbacks, even with a valid bearer token", async () => {
    const paths = ["/v1/me", "/v1/me/export", "/v1/connections", "/ops", "/ops/dead-letters", "/health", "/health/ready", "/openapi.json",
      "/oauth/oura/callback?code=x&state=y", "/no/such/route"];
    for (const path of paths) await expectForbidden(await send(openPreview, path, await bearer(`preview-${crypto.randomUUID()}`)));
    const post = await worker.fetch(
      new Request("http://pr-7.hub.test/v1/connections/oura", { method: "POST", headers: await bearer(`preview-${crypto.randomUUID()}`) }),
      openPreview, createExecutionContext(),
    );
    await expectForbidden(post);
  });

  it("treats an unknown ENVIRONMENT value as a closed preview, not as production", async () => {
    const typo = { ...openPreview, ENVIRONMENT: "Preview" } as unknown as Env;
    await expectForbidden(await send(typo, "/v1/me", await bearer(`preview-${crypto.randomUUID()}`)));
  });

  it("still accepts signed vendor webhooks (and refuses unsigned ones)", async () => {
    const signed = await sim.oura.signedWebhook({
      event_type: "create", data_type: "sleep", object_id: crypto.randomUUID(), event_time: new Date().toISOString(), user_id: `oura-${crypto.randomUUID()}`,
    }, {});
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request("http://pr-7.hub.test/webhooks/oura", { method: "POST", headers: signed.headers, body: signed.body }), openPreview, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    const unsigned = await worker.fetch(
      new Request("http://pr-7.hub.test/webhooks/oura", { method: "POST", headers: { "content-type": "application/json" }, body: signed.body }),
      openPreview, createExecutionContext(),
    );
    expect(unsigned.status).toBe(401);
  });

  it("with ACCESS_AUD set, lets a valid Access assertion through as any preview", async () => {
    const guarded = { ...preview, ENVIRONMENT: "preview" } as unknown as Env;
    await expectForbidden(await send(guarded, "/health"));
    expect((await send(guarded, "/health", { "cf-access-jwt-assertion": await assertion() })).status).toBe(200);
  });

  it("leaves development, staging and production open to their own authentication", async () => {
    for (const environment of ["development", "staging", "production"]) {
      const env = { ...testEnv, ENVIRONMENT: environment } as unknown as Env;
      expect((await send(env, "/health")).status, environment).toBe(200);
    }
  });
});
