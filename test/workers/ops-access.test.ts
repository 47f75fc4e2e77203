// The operator page is for operators only: behind Cloudflare Access wherever an Access audience is
// configured (a user's bearer token alone is refused), refused outright in a deployed environment
// without one, and open only where the local vars say so (wrangler.toml's top level).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import type { Env } from "../../workers/env";
import { testEnv } from "./helpers";
import { query } from "./ingest-helpers";
import { bearer, sim } from "./sim";

const team = new URL(testEnv.AUTH_JWKS_URL!).origin;
const opsAud = `ops-aud-${crypto.randomUUID()}`;
const { OPS_ACCESS: _local, ...deployed } = testEnv;
/** Production: no ACCESS_AUD (the mobile API is public), /ops behind its own Access application. */
const production = { ...deployed, OPS_ACCESS_AUD: opsAud, ACCESS_TEAM_DOMAIN: team } as unknown as Env;
/** A preview: Access in front of everything. */
const preview = { ...testEnv, ACCESS_AUD: opsAud, ACCESS_TEAM_DOMAIN: team } as unknown as Env;

async function send(env: Env, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`http://hub.test${path}`, init) as Request<unknown, IncomingRequestCfProperties>;
  const res = await worker.fetch!(request, env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const accessAssertion = (email = "oncall@example.com") =>
  sim.idp.mint({ sub: crypto.randomUUID(), alg: "RS256", aud: opsAud, iss: team, extra: { email } });

describe("/ops behind Cloudflare Access", () => {
  it("refuses a user's bearer token alone, and no credentials at all, in production and in previews", async () => {
    const user = await bearer(`ops-${crypto.randomUUID()}`);
    for (const env of [production, preview]) {
      for (const path of ["/ops", "/ops/api/overview", "/ops/api/dead-letters"]) {
        for (const headers of [user, {}]) {
          const res = await send(env, path, { headers });
          expect([401, 403], path).toContain(res.status);
          expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/UNAUTHORIZED|FORBIDDEN/);
        }
      }
      const replay = await send(env, "/ops/api/dead-letters/1/replay", { method: "POST", headers: user });
      expect([401, 403]).toContain(replay.status);
    }
    // The mobile API itself is unaffected in production.
    expect((await send(production, "/v1/me", { headers: user })).status).toBe(200);
  });

  it("is refused in a deployed environment that configured no Access audience", async () => {
    const res = await send({ ...deployed } as unknown as Env, "/ops");
    expect(res.status).toBe(403);
  });

  it("answers an operator signed in through Access, and refuses to replay an erased user's body", async () => {
    const page = await send(production, "/ops", { headers: { "cf-access-jwt-assertion": await accessAssertion() } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("Hub operations");

    // A dead letter whose user was erased (no connection has this vendor account): refused, not replayed.
    const [letter] = await query<{ id: string }>(
      `INSERT INTO dead_letters (queue, message_id, body, reason, attempts) VALUES ('hub-ingest', $1, $2, 'retries exhausted', 6) RETURNING id`,
      [crypto.randomUUID(), { kind: "vendor_event", vendor: "oura", vendor_user_id: `gone-${crypto.randomUUID()}`, object_type: "sleep", object_id: "x", action: "upsert" }],
    );
    const res = await send(production, `/ops/api/dead-letters/${letter!.id}/replay`, {
      method: "POST", headers: { "cf-access-jwt-assertion": await accessAssertion() },
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ status: "refused", reason: expect.stringContaining("erased") });
    expect(await query("SELECT replayed_at FROM dead_letters WHERE id = $1", [letter!.id])).toEqual([{ replayed_at: null }]);
  });

  it("is open in local development (OPS_ACCESS=open-local from wrangler.toml's top-level vars)", async () => {
    expect(testEnv.OPS_ACCESS).toBe("open-local");
    const res = await send(testEnv as unknown as Env, "/ops/api/overview");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ dead_letters: expect.any(Array), connections: expect.any(Array) });
    const list = await send(testEnv as unknown as Env, "/ops/api/dead-letters?status=all&queue=ingest");
    expect(await list.json()).toMatchObject({ items: expect.arrayContaining([expect.objectContaining({ queue: "hub-ingest" })]) });
  });
});
