// Connecting and disconnecting vendor accounts through the real OAuth flow against the simulators.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { auditLog, connections, users } from "../../db/schema";
import worker from "../../workers/index";
import { vendorAdapter } from "../../workers/vendors/registry";
import { issueOAuthState } from "../../workers/connections/oauth-state";
import { openPendingTokens, type PendingConnection } from "../../workers/connections/pending";
import { keyRing, openAccessToken, openRefreshToken } from "../../workers/connections/tokens";
import { loadConfig, type Env } from "../../workers/env";
import { addDays } from "../../workers/lib/calendar";
import { syncRangeMessage } from "../../workers/lib/messages";
import type { Vendor } from "../../workers/vendors/types";
import { executionContext, testDb, testEnv, waitFor } from "./helpers";
import { bearer, sim } from "./sim";
import {
  addSimulatedAccount, appRedirectBase, completeConnect, connectCodeOf, connectThroughHub, consentAt, followCallback, HUB_ORIGIN, startConnect,
} from "./connected-user";

const config = loadConfig(testEnv);

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function connectionRow(userId: string, vendor: Vendor) {
  const { db, close } = testDb();
  try {
    const [row] = await db.select().from(connections).where(and(eq(connections.userId, userId), eq(connections.vendor, vendor)));
    return row;
  } finally {
    await close();
  }
}

async function auditActions(userId: string): Promise<string[]> {
  const { db, close } = testDb();
  try {
    const rows = await db
      .select({ action: auditLog.action, resource: auditLog.resource })
      .from(auditLog)
      .innerJoin(users, eq(sql`${users.auditRef}::text`, auditLog.actorRef))
      .where(eq(users.id, userId))
      .orderBy(auditLog.id);
    return rows.map((r) => `${r.action} ${r.resource}`);
  } finally {
    await close();
  }
}

function expectBackToApp(location: URL | null, params: Record<string, string>): void {
  expect(location).not.toBeNull();
  expect(`${location!.protocol}//${location!.host}${location!.pathname}`).toBe(appRedirectBase());
  expect(Object.fromEntries(location!.searchParams)).toEqual(params);
}

/** Connect up to the vendor's redirect, without calling the hub's callback yet. */
async function consentedCallback(vendor: Vendor, subject = `athlete-${crypto.randomUUID()}`) {
  const auth = await bearer(subject);
  const vendorUserId = await addSimulatedAccount(vendor);
  const authorizeUrl = await startConnect(vendor, auth);
  return { subject, auth, vendorUserId, authorizeUrl, callbackUrl: await consentAt(authorizeUrl, vendorUserId) };
}

async function pendingRows(vendorUserId: string): Promise<number> {
  const { pool, close } = testDb();
  try {
    return (await pool.query("SELECT 1 FROM pending_connections WHERE vendor_user_id = $1", [vendorUserId])).rowCount ?? 0;
  } finally {
    await close();
  }
}

describe("POST /v1/connections/{vendor}", () => {
  it("answers the vendor's consent URL with client id, redirect URI, scopes and a state stored only as its hash", async () => {
    const auth = await bearer(`athlete-${crypto.randomUUID()}`);
    const authorizeUrl = new URL(await startConnect("oura", auth));
    expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(testEnv.OURA_AUTHORIZE_URL);
    const query = authorizeUrl.searchParams;
    expect(query.get("client_id")).toBe(testEnv.OURA_CLIENT_ID);
    expect(query.get("redirect_uri")).toBe(`${HUB_ORIGIN}/oauth/oura/callback`);
    expect(query.get("scope")).toBe(vendorAdapter("oura").oauth.scopes);
    expect(query.get("response_type")).toBe("code");
    const state = query.get("state")!;
    expect(state.length).toBeGreaterThanOrEqual(32);

    const { pool, close } = testDb();
    try {
      const { rows } = await pool.query("SELECT state_hash, vendor, expires_at FROM oauth_states WHERE state_hash = $1", [await sha256Hex(state)]);
      expect(rows).toHaveLength(1);
      expect(rows[0].vendor).toBe("oura");
      const ttlMs = new Date(rows[0].expires_at).getTime() - Date.now();
      expect(ttlMs).toBeGreaterThan(9 * 60_000);
      expect(ttlMs).toBeLessThanOrEqual(10 * 60_000);
      const { rows: plain } = await pool.query("SELECT 1 FROM oauth_states WHERE state_hash = $1", [state]);
      expect(plain).toHaveLength(0);
    } finally {
      await close();
    }
  });

  it("builds the redirect URI from PUBLIC_BASE_URL when it is set", async () => {
    const env = { ...testEnv, PUBLIC_BASE_URL: "https://hub.example.com/" } as unknown as Env;
    const res = await worker.fetch(
      new Request(`${HUB_ORIGIN}/v1/connections/whoop`, { method: "POST", headers: await bearer(`athlete-${crypto.randomUUID()}`) }),
      env,
      executionContext(),
    );
    expect(res.status).toBe(200);
    const url = new URL(((await res.json()) as { authorize_url: string }).authorize_url);
    expect(url.searchParams.get("redirect_uri")).toBe("https://hub.example.com/oauth/whoop/callback");
    expect(url.searchParams.get("scope")).toBe(vendorAdapter("whoop").oauth.scopes);
  });

  it("refuses unauthenticated requests and unknown vendors", async () => {
    const anonymous = await SELF.fetch(`${HUB_ORIGIN}/v1/connections/oura`, { method: "POST" });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    const unknown = await SELF.fetch(`${HUB_ORIGIN}/v1/connections/fitbit`, { method: "POST", headers: await bearer("someone") });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
  });
});

describe("GET /oauth/{vendor}/callback", () => {
  it("connects a simulated Oura account: tokens stored encrypted, 302 to the app, 30-day backfill, audit", async () => {
    const user = await connectThroughHub("oura");
    const row = (await connectionRow(user.userId, "oura"))!;
    expect(row.vendorUserId).toBe(user.vendorUserId);
    expect(row.status).toBe("active");
    expect(row.scopes).toBe(vendorAdapter("oura").oauth.scopes);
    expect(Date.parse(row.tokenExpiresAt!)).toBeGreaterThan(Date.now());

    // The stored values are ciphertexts of working tokens, and the plaintext appears nowhere in the row.
    const ring = keyRing(config);
    const accessToken = await openAccessToken(ring, row);
    const refreshToken = (await openRefreshToken(ring, row))!;
    expect(accessToken).toMatch(/^oura_at_/);
    expect(refreshToken).toMatch(/^oura_rt_/);
    expect(row.accessTokenEnc).toMatch(/^k1:/);
    const { pool, close } = testDb();
    try {
      const { rows } = await pool.query("SELECT row_to_json(c)::text AS doc FROM connections c WHERE id = $1", [row.id]);
      expect(rows[0].doc).not.toContain(accessToken);
      expect(rows[0].doc).not.toContain(refreshToken);
    } finally {
      await close();
    }
    const info = await fetch(`${testEnv.OURA_API_BASE}/v2/usercollection/personal_info`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(((await info.json()) as { id: string }).id).toBe(user.vendorUserId);

    const list = await SELF.fetch(`${HUB_ORIGIN}/v1/connections`, { headers: user.auth });
    expect(list.status).toBe(200);
    const { items } = (await list.json()) as { items: Record<string, unknown>[] };
    expect(items).toHaveLength(1);
    const [item] = items as { vendor: string; status: string; connected_at: string; last_sync_at: string | null }[];
    expect(Object.keys(item!).sort()).toEqual(["connected_at", "last_sync_at", "status", "vendor"]);
    expect(item).toMatchObject({ vendor: "oura", status: "active" });
    expect(new Date(item!.connected_at).toISOString()).toBe(item!.connected_at);
    // The backfill runs in the background and may already have synced.
    if (item!.last_sync_at !== null) expect(new Date(item!.last_sync_at).toISOString()).toBe(item!.last_sync_at);
    expect(await auditActions(user.userId)).toEqual(["connect connection:oura"]);
  });

  it("redirects to APP_REDIRECT_URL with status=pending and a connect code; only completing enqueues the user's 30-day backfill", async () => {
    const { callbackUrl, subject, auth } = await consentedCallback("oura");
    const sent: unknown[] = [];
    const capture = { send: async (body: unknown) => void sent.push(body), sendBatch: async () => undefined };
    const env = { ...testEnv, INGEST_QUEUE: capture } as unknown as Env;
    const res = await worker.fetch(new Request(callbackUrl, { redirect: "manual" }), env, executionContext());
    expect(res.status).toBe(302);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const location = new URL(res.headers.get("location")!);
    const connectCode = location.searchParams.get("connect_code")!;
    expect(connectCode).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    expectBackToApp(location, { vendor: "oura", status: "pending", connect_code: connectCode });
    expect(sent).toEqual([]);

    const { db, close } = testDb();
    const held = await db.execute<{ code_hash: string; ttl_ms: number }>(sql`
      SELECT p.code_hash, extract(epoch FROM p.expires_at - now()) * 1000 AS ttl_ms
      FROM pending_connections p JOIN users u ON u.id = p.started_by WHERE u.subject = ${subject}`);
    expect(held.rows).toHaveLength(1);
    expect(held.rows[0]!.code_hash).toBe(await sha256Hex(connectCode));
    expect(Number(held.rows[0]!.ttl_ms)).toBeGreaterThan(9 * 60_000);
    expect(Number(held.rows[0]!.ttl_ms)).toBeLessThanOrEqual(10 * 60_000);

    const complete: Request<unknown, IncomingRequestCfProperties> = new Request(`${HUB_ORIGIN}/v1/connections/oura/complete`, {
      method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ connect_code: connectCode }),
    });
    const done = await worker.fetch(complete, env, executionContext());
    expect(done.status).toBe(200);
    const [row] = await db
      .select({ id: connections.id })
      .from(connections)
      .innerJoin(users, eq(users.id, connections.userId))
      .where(eq(users.subject, subject));
    await close();
    expect(sent).toHaveLength(1);
    const message = syncRangeMessage.parse(sent[0]);
    const today = new Date().toISOString().slice(0, 10); // the user's time zone defaults to UTC
    expect(message).toEqual({ kind: "sync_range", connection_id: row!.id, start_date: addDays(today, -29), end_date: today, reason: "backfill" });
  });

  it("dates the backfill in the user's time zone", async () => {
    const subject = `athlete-${crypto.randomUUID()}`;
    const { db, close } = testDb();
    // UTC+14: most of the day, its date is ahead of UTC's.
    await db.insert(users).values({ subject, timezone: "Pacific/Kiritimati" });
    await close();
    const { callbackUrl, auth } = await consentedCallback("whoop", subject);
    const sent: { end_date: string; start_date: string }[] = [];
    const env = { ...testEnv, INGEST_QUEUE: { send: async (body: never) => void sent.push(body) } } as unknown as Env;
    const connectCode = connectCodeOf(await followCallback(callbackUrl));
    const complete: Request<unknown, IncomingRequestCfProperties> = new Request(`${HUB_ORIGIN}/v1/connections/whoop/complete`, {
      method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ connect_code: connectCode }),
    });
    expect((await worker.fetch(complete, env, executionContext())).status).toBe(200);
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Pacific/Kiritimati" }).format(new Date());
    expect(sent[0]).toMatchObject({ start_date: addDays(today, -29), end_date: today });
  });

  it("connects a simulated WHOOP account by its numeric user id, with a refresh token (offline scope)", async () => {
    const user = await connectThroughHub("whoop");
    const row = (await connectionRow(user.userId, "whoop"))!;
    expect(row.vendorUserId).toBe(user.vendorUserId);
    expect(row.vendorUserId).toMatch(/^\d+$/);
    const ring = keyRing(config);
    expect(await openAccessToken(ring, row)).toMatch(/^whoop_at_/);
    expect(await openRefreshToken(ring, row)).toMatch(/^whoop_rt_/);
    expect(row.accessTokenEnc).not.toContain("whoop_at_");
    expect(await auditActions(user.userId)).toEqual(["connect connection:whoop"]);
  });

  it("refuses a state that was already used, and changes nothing", async () => {
    const { callbackUrl, subject, auth } = await consentedCallback("oura");
    const first = await followCallback(callbackUrl);
    expect((await completeConnect("oura", auth, connectCodeOf(first))).status).toBe(200);
    const { db, close } = testDb();
    const [user] = await db.select().from(users).where(eq(users.subject, subject));
    await close();
    const before = await connectionRow(user!.id, "oura");

    const replay = await followCallback(callbackUrl);
    expect(replay.status).toBe(302);
    expectBackToApp(replay.location, { vendor: "oura", status: "error", reason: "invalid_state" });
    // (last_sync_at may move meanwhile: the backfill runs in the background.)
    const { lastSyncAt: _before, ...unchanged } = before!;
    expect(await connectionRow(user!.id, "oura")).toMatchObject(unchanged);
    expect(await auditActions(user!.id)).toEqual(["connect connection:oura"]);
  });

  it("refuses unknown, missing, expired and other-vendor states", async () => {
    const { callbackUrl } = await consentedCallback("oura");
    const code = new URL(callbackUrl).searchParams.get("code")!;
    const unknown = await followCallback(`${HUB_ORIGIN}/oauth/oura/callback?code=${code}&state=${crypto.randomUUID()}`);
    expectBackToApp(unknown.location, { vendor: "oura", status: "error", reason: "invalid_state" });
    const missing = await followCallback(`${HUB_ORIGIN}/oauth/oura/callback?code=${code}`);
    expectBackToApp(missing.location, { vendor: "oura", status: "error", reason: "invalid_state" });

    // A state issued for Oura is no good at WHOOP's callback (and is spent by the attempt).
    const otherVendor = new URL(callbackUrl.replace("/oauth/oura/", "/oauth/whoop/"));
    expectBackToApp((await followCallback(otherVendor.toString())).location, { vendor: "whoop", status: "error", reason: "invalid_state" });
    expectBackToApp((await followCallback(callbackUrl)).location, { vendor: "oura", status: "error", reason: "invalid_state" });

    const { db, close } = testDb();
    const [user] = await db.insert(users).values({ subject: `athlete-${crypto.randomUUID()}` }).returning();
    const expired = await issueOAuthState(db, user!.id, "oura", Date.now() - 11 * 60_000);
    await close();
    const late = await followCallback(`${HUB_ORIGIN}/oauth/oura/callback?code=${code}&state=${expired}`);
    expectBackToApp(late.location, { vendor: "oura", status: "error", reason: "invalid_state" });
    expect(await connectionRow(user!.id, "oura")).toBeUndefined();
  });

  it("sends the user back with access_denied when they decline at the vendor", async () => {
    const subject = `athlete-${crypto.randomUUID()}`;
    const auth = await bearer(subject);
    const vendorUserId = await addSimulatedAccount("whoop");
    const callbackUrl = await consentAt(await startConnect("whoop", auth), vendorUserId, { deny: true });
    expect(new URL(callbackUrl).searchParams.get("error")).toBe("access_denied");
    const back = await followCallback(callbackUrl);
    expect(back.status).toBe(302);
    expectBackToApp(back.location, { vendor: "whoop", status: "error", reason: "access_denied" });
    const list = await SELF.fetch(`${HUB_ORIGIN}/v1/connections`, { headers: auth });
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it("answers a malformed callback query with a redirect the app can show", async () => {
    const back = await followCallback(`${HUB_ORIGIN}/oauth/oura/callback?code=${"x".repeat(5000)}&state=abc`);
    expectBackToApp(back.location, { vendor: "oura", status: "error", reason: "invalid_request" });
  });

  it("reports a refused code exchange as token_exchange_failed", async () => {
    const { callbackUrl } = await consentedCallback("oura");
    const url = new URL(callbackUrl);
    url.searchParams.set("code", "not-a-code-the-vendor-issued");
    const back = await followCallback(url.toString());
    expectBackToApp(back.location, { vendor: "oura", status: "error", reason: "token_exchange_failed" });
  });

  it("refuses a vendor account that is already connected to another hub user", async () => {
    const owner = await connectThroughHub("oura");
    const intruder = `athlete-${crypto.randomUUID()}`;
    const callbackUrl = await consentAt(await startConnect("oura", await bearer(intruder)), owner.vendorUserId);
    const back = await followCallback(callbackUrl);
    expectBackToApp(back.location, { vendor: "oura", status: "error", reason: "account_in_use" });
    const list = await SELF.fetch(`${HUB_ORIGIN}/v1/connections`, { headers: await bearer(intruder) });
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
    expect((await connectionRow(owner.userId, "oura"))?.id).toBe(owner.connectionId);
  });

  it("makes a connection that needs consent active again when the user reconnects", async () => {
    const first = await connectThroughHub("whoop");
    const { db, close } = testDb();
    await db.update(connections).set({ status: "needs_reconsent" }).where(eq(connections.id, first.connectionId));
    await close();
    await connectThroughHub("whoop", { subject: first.subject, vendorUserId: first.vendorUserId });
    const list = await SELF.fetch(`${HUB_ORIGIN}/v1/connections`, { headers: first.auth });
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([expect.objectContaining({ vendor: "whoop", status: "active" })]);
  });

  it("answers with the error envelope when APP_REDIRECT_URL is not a usable URL", async () => {
    const env = { ...testEnv, APP_REDIRECT_URL: "not a url" } as unknown as Env;
    const res = await worker.fetch(new Request(`${HUB_ORIGIN}/oauth/oura/callback?code=c&state=unknown-state`), env, executionContext());
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: "BAD_REQUEST", message: "connection failed: invalid_state" });
  });

  it("replaces the tokens of the same connection when the user connects again", async () => {
    const first = await connectThroughHub("oura");
    const before = (await connectionRow(first.userId, "oura"))!;
    const again = await connectThroughHub("oura", { subject: first.subject, vendorUserId: first.vendorUserId });
    expect(again.connectionId).toBe(first.connectionId);
    const after = (await connectionRow(first.userId, "oura"))!;
    const ring = keyRing(config);
    expect(await openAccessToken(ring, after)).not.toBe(await openAccessToken(ring, before));
  });
});

describe("POST /v1/connections/{vendor}/complete", () => {
  /** The held grant's access token, read the way the hub would open it (the test needs it to check revocation). */
  async function heldAccessToken(vendorUserId: string): Promise<string> {
    const { db, close } = testDb();
    try {
      const { rows } = await db.execute<PendingConnection>(sql`
        SELECT id, access_token_enc AS "accessTokenEnc", refresh_token_enc AS "refreshTokenEnc", to_json(token_expires_at) #>> '{}' AS "tokenExpiresAt",
               scopes, to_json(expires_at) #>> '{}' AS "expiresAt"
        FROM pending_connections WHERE vendor_user_id = ${vendorUserId}`);
      return (await openPendingTokens(config, rows[0]!)).access_token;
    } finally {
      await close();
    }
  }

  for (const vendor of ["oura", "whoop"] as const) {
    it(`${vendor}: a victim consenting on an attacker's consent link attaches nothing; completing as anyone else is 403 and revokes the grant`, async () => {
      // Mallory starts the flow and sends the authorize_url to the victim, who consents with their own account.
      const mallory = await bearer(`mallory-${crypto.randomUUID()}`);
      const victimAccount = await addSimulatedAccount(vendor);
      const back = await followCallback(await consentAt(await startConnect(vendor, mallory), victimAccount));
      const connectCode = connectCodeOf(back);

      // The callback alone attached nothing, to anyone.
      const { pool, close } = testDb();
      const attached = await pool.query("SELECT 1 FROM connections WHERE vendor = $1 AND vendor_user_id = $2", [vendor, victimAccount]);
      await close();
      expect(attached.rowCount).toBe(0);
      expect(await pendingRows(victimAccount)).toBe(1);
      const heldToken = await heldAccessToken(victimAccount);

      // The redirect lands in the victim's app, signed in as the victim: not the user who started the flow.
      const victim = await bearer(`victim-${crypto.randomUUID()}`);
      const refused = await completeConnect(vendor, victim, connectCode);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
      expect(await sim[vendor].revokedTokens()).toContain(heldToken);
      expect(await pendingRows(victimAccount)).toBe(0);

      // The code is spent: Mallory, had she obtained it, gets nothing either.
      const late = await completeConnect(vendor, mallory, connectCode);
      expect(late.status).toBe(400);
      for (const auth of [mallory, victim]) {
        const list = await SELF.fetch(`${HUB_ORIGIN}/v1/connections`, { headers: auth });
        expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
      }
    });
  }

  it("attaches the account for the user who started the flow: 200 with the connection, listed as active", async () => {
    const { auth, callbackUrl } = await consentedCallback("whoop");
    const res = await completeConnect("whoop", auth, connectCodeOf(await followCallback(callbackUrl)));
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["connected_at", "last_sync_at", "status", "vendor"]);
    expect(body).toMatchObject({ vendor: "whoop", status: "connected" });
    expect(new Date(body.connected_at as string).toISOString()).toBe(body.connected_at);
    const list = await SELF.fetch(`${HUB_ORIGIN}/v1/connections`, { headers: auth });
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([expect.objectContaining({ vendor: "whoop", status: "active" })]);
  });

  it("refuses a reused, unknown, expired or other-vendor code with 400, and a malformed body", async () => {
    const { auth, callbackUrl, vendorUserId } = await consentedCallback("oura");
    const connectCode = connectCodeOf(await followCallback(callbackUrl));
    const expectBadRequest = async (res: Response) => {
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    };
    await expectBadRequest(await completeConnect("whoop", auth, connectCode)); // issued for Oura
    await expectBadRequest(await completeConnect("oura", auth, crypto.randomUUID()));
    await expectBadRequest(await SELF.fetch(`${HUB_ORIGIN}/v1/connections/oura/complete`, {
      method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ code: connectCode }),
    }));
    expect((await completeConnect("oura", auth, connectCode)).status).toBe(200);
    await expectBadRequest(await completeConnect("oura", auth, connectCode)); // reused

    // Expired: held for more than ten minutes. The grant is revoked, nothing is attached.
    const second = await consentedCallback("whoop");
    const expiredCode = connectCodeOf(await followCallback(second.callbackUrl));
    const heldToken = await heldAccessToken(second.vendorUserId);
    const { pool, close } = testDb();
    await pool.query("UPDATE pending_connections SET expires_at = now() - interval '1 second' WHERE vendor_user_id = $1", [second.vendorUserId]);
    await close();
    await expectBadRequest(await completeConnect("whoop", second.auth, expiredCode));
    await waitFor(async () => ((await sim.whoop.revokedTokens()).includes(heldToken) ? true : undefined));
    const list = await SELF.fetch(`${HUB_ORIGIN}/v1/connections`, { headers: second.auth });
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
    expect(vendorUserId).not.toBe(second.vendorUserId);
  });

  it("refuses unauthenticated requests and bodies over 4 KiB", async () => {
    const anonymous = await SELF.fetch(`${HUB_ORIGIN}/v1/connections/oura/complete`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ connect_code: "x" }),
    });
    expect(anonymous.status).toBe(401);
    const big = await SELF.fetch(`${HUB_ORIGIN}/v1/connections/oura/complete`, {
      method: "POST",
      headers: { ...(await bearer(`athlete-${crypto.randomUUID()}`)), "content-type": "application/json" },
      body: JSON.stringify({ connect_code: "x".repeat(8 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("DELETE /v1/connections/{vendor}", () => {
  it("revokes the Oura grant at the vendor, deletes the tokens and answers 204", async () => {
    const user = await connectThroughHub("oura");
    const accessToken = await openAccessToken(keyRing(config), (await connectionRow(user.userId, "oura"))!);
    const res = await SELF.fetch(`${HUB_ORIGIN}/v1/connections/oura`, { method: "DELETE", headers: user.auth });
    expect(res.status).toBe(204);
    expect(await sim.oura.revokedTokens()).toContain(accessToken);
    expect(await connectionRow(user.userId, "oura")).toBeUndefined();
    const info = await fetch(`${testEnv.OURA_API_BASE}/v2/usercollection/personal_info`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(info.status).toBe(401);
    const list = await SELF.fetch(`${HUB_ORIGIN}/v1/connections`, { headers: user.auth });
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
    expect(await auditActions(user.userId)).toEqual(["connect connection:oura", "disconnect connection:oura"]);

    const again = await SELF.fetch(`${HUB_ORIGIN}/v1/connections/oura`, { method: "DELETE", headers: user.auth });
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });

  it("revokes WHOOP access with DELETE /v2/user/access", async () => {
    const user = await connectThroughHub("whoop");
    const accessToken = await openAccessToken(keyRing(config), (await connectionRow(user.userId, "whoop"))!);
    const res = await SELF.fetch(`${HUB_ORIGIN}/v1/connections/whoop`, { method: "DELETE", headers: user.auth });
    expect(res.status).toBe(204);
    expect(await sim.whoop.revokedTokens()).toContain(accessToken);
    expect(await connectionRow(user.userId, "whoop")).toBeUndefined();
  });

  it("still deletes the tokens when the vendor refuses the revocation", async () => {
    const user = await connectThroughHub("oura");
    const accessToken = await openAccessToken(keyRing(config), (await connectionRow(user.userId, "oura"))!);
    // The grant is already gone at Oura, so the hub's own revoke call is refused.
    const outOfBand = await fetch(`${testEnv.OURA_REVOKE_URL}?access_token=${encodeURIComponent(accessToken)}`);
    expect(outOfBand.status).toBe(200);
    const res = await SELF.fetch(`${HUB_ORIGIN}/v1/connections/oura`, { method: "DELETE", headers: user.auth });
    expect(res.status).toBe(204);
    expect(await connectionRow(user.userId, "oura")).toBeUndefined();
  });

  it("touches only the caller's own connection", async () => {
    const owner = await connectThroughHub("whoop");
    const other = await bearer(`athlete-${crypto.randomUUID()}`);
    const res = await SELF.fetch(`${HUB_ORIGIN}/v1/connections/whoop`, { method: "DELETE", headers: other });
    expect(res.status).toBe(404);
    expect((await connectionRow(owner.userId, "whoop"))?.id).toBe(owner.connectionId);
  });
});
