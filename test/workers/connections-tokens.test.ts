// Vendor tokens in use: refresh before expiry, serialized per connection, and what happens when the
// vendor stops honouring the grant. Real simulators, real Postgres.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { connections } from "../../db/schema";
import {
  getAccessToken, keyRing, openAccessToken, openRefreshToken, withAccessToken, type Connection,
} from "../../workers/connections/tokens";
import { loadConfig } from "../../workers/env";
import { VendorError } from "../../workers/vendors/http";
import { fetchOuraPersonalInfo } from "../../workers/vendors/oura";
import { fetchWhoopProfile } from "../../workers/vendors/whoop";
import { testDb, testEnv } from "./helpers";
import { bearer, sim } from "./sim";
import { connectedUser, HUB_ORIGIN } from "./connected-user";

const config = loadConfig(testEnv);
const ring = keyRing(config);

async function readConnection(id: string): Promise<Connection> {
  const { db, close } = testDb();
  try {
    const [row] = await db.select().from(connections).where(eq(connections.id, id));
    if (!row) throw new Error("connection missing");
    return row;
  } finally {
    await close();
  }
}

/** Makes the hub believe the access token expired a minute ago (as if it had been issued long ago). */
async function expireInHub(id: string): Promise<Connection> {
  const { db, close } = testDb();
  try {
    await db.update(connections).set({ tokenExpiresAt: sql`now() - interval '1 minute'` }).where(eq(connections.id, id));
  } finally {
    await close();
  }
  return readConnection(id);
}

async function revokeGrantAtOura(accessToken: string): Promise<void> {
  const res = await fetch(`${testEnv.OURA_REVOKE_URL}?access_token=${encodeURIComponent(accessToken)}`);
  expect(res.status).toBe(200);
}

describe("getAccessToken", () => {
  it("refreshes an expiring token once when two isolates ask at the same time, and both get the working token", async () => {
    const user = await connectedUser("oura");
    const before = await expireInHub(user.connectionId);
    const oldAccess = await openAccessToken(ring, before);
    const oldRefresh = await openRefreshToken(ring, before);
    await sim.oura.expireAccessTokens(user.vendorUserId);
    await expect(fetchOuraPersonalInfo({ baseUrl: config.OURA_API_BASE, accessToken: oldAccess, fetchImpl: fetch })).rejects.toMatchObject({ kind: "auth", status: 401 });

    // Two pools stand in for two isolates; each starts from the same stale row.
    const [a, b] = [testDb(), testDb()];
    let tokens: string[];
    try {
      tokens = await Promise.all([getAccessToken(a.db, config, before), getAccessToken(b.db, config, before)]);
      expect(tokens[0]).toBe(tokens[1]);
      expect(tokens[0]).not.toBe(oldAccess);
      for (const token of tokens) {
        expect((await fetchOuraPersonalInfo({ baseUrl: config.OURA_API_BASE, accessToken: token, fetchImpl: fetch })).id).toBe(user.vendorUserId);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }

    // Oura rotates refresh tokens: a second refresh would have spent the first one's and failed.
    const after = await readConnection(user.connectionId);
    expect(after.status).toBe("active");
    expect(Date.parse(after.tokenExpiresAt!)).toBeGreaterThan(Date.now() + 60 * 60_000);
    const newRefresh = await openRefreshToken(ring, after);
    expect(newRefresh).not.toBe(oldRefresh);
    expect(await openAccessToken(ring, after)).toBe(tokens[0]);
  });

  it("uses the stored token without a refresh while it is far from expiry", async () => {
    const user = await connectedUser("whoop");
    const row = await readConnection(user.connectionId);
    const { db, close } = testDb();
    try {
      expect(await getAccessToken(db, config, row)).toBe(await openAccessToken(ring, row));
    } finally {
      await close();
    }
    expect((await readConnection(user.connectionId)).refreshTokenEnc).toBe(row.refreshTokenEnc);
  });

  it("refreshes a WHOOP token with the refresh token granted for the offline scope", async () => {
    const user = await connectedUser("whoop");
    const stale = await expireInHub(user.connectionId);
    const { db, close } = testDb();
    try {
      const token = await getAccessToken(db, config, stale);
      expect(token).not.toBe(await openAccessToken(ring, stale));
      expect(String((await fetchWhoopProfile({ baseUrl: config.WHOOP_API_BASE, accessToken: token, fetchImpl: fetch })).user_id)).toBe(user.vendorUserId);
      // The refresh sent scope=offline, so WHOOP rotated the refresh token and a second refresh works
      // too (without the scope WHOOP keeps it back, and the next refresh would lock the user out).
      const again = await expireInHub(user.connectionId);
      const second = await getAccessToken(db, config, again);
      expect(second).not.toBe(token);
      expect((await readConnection(user.connectionId)).status).toBe("active");
    } finally {
      await close();
    }
  });

  it("marks the connection needs_reconsent when the vendor refuses the refresh, and stops asking", async () => {
    const user = await connectedUser("oura");
    const row = await readConnection(user.connectionId);
    await revokeGrantAtOura(await openAccessToken(ring, row));
    const stale = await expireInHub(user.connectionId);
    const { db, close } = testDb();
    try {
      const refused = await getAccessToken(db, config, stale).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(VendorError);
      expect(refused).toMatchObject({ kind: "auth" });
      const marked = await readConnection(user.connectionId);
      expect(marked.status).toBe("needs_reconsent");
      await expect(getAccessToken(db, config, marked)).rejects.toMatchObject({ kind: "auth" });
    } finally {
      await close();
    }
    const list = await SELF.fetch(`${HUB_ORIGIN}/v1/connections`, { headers: await bearer(user.subject) });
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([expect.objectContaining({ vendor: "oura", status: "needs_reconsent" })]);
  });
});

describe("withAccessToken", () => {
  it("hands the call a working token and returns its result", async () => {
    const user = await connectedUser("oura");
    const row = await readConnection(user.connectionId);
    const { db, close } = testDb();
    try {
      const info = await withAccessToken(db, config, row, (token) => fetchOuraPersonalInfo({ baseUrl: config.OURA_API_BASE, accessToken: token, fetchImpl: fetch }));
      expect(info.id).toBe(user.vendorUserId);
    } finally {
      await close();
    }
    expect((await readConnection(user.connectionId)).status).toBe("active");
  });

  it("marks the connection needs_reconsent when the vendor answers 401 (access revoked at the vendor)", async () => {
    const user = await connectedUser("whoop");
    const row = await readConnection(user.connectionId);
    const token = await openAccessToken(ring, row);
    const revoked = await fetch(`${testEnv.WHOOP_API_BASE}/v2/user/access`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
    expect(revoked.status).toBe(204);
    const { db, close } = testDb();
    try {
      await expect(
        withAccessToken(db, config, row, (t) => fetchWhoopProfile({ baseUrl: config.WHOOP_API_BASE, accessToken: t, fetchImpl: fetch })),
      ).rejects.toMatchObject({ kind: "auth", status: 401 });
    } finally {
      await close();
    }
    expect((await readConnection(user.connectionId)).status).toBe("needs_reconsent");
  });

  it("leaves the connection active when the vendor is only unavailable", async () => {
    const user = await connectedUser("oura");
    const row = await readConnection(user.connectionId);
    const { db, close } = testDb();
    const unavailable: typeof fetch = async () => new Response("busy", { status: 503 });
    try {
      await expect(
        withAccessToken(db, config, row, (t) => fetchOuraPersonalInfo({ baseUrl: config.OURA_API_BASE, accessToken: t, fetchImpl: unavailable })),
      ).rejects.toMatchObject({ kind: "retryable" });
    } finally {
      await close();
    }
    expect((await readConnection(user.connectionId)).status).toBe("active");
  });
});
