// scripts/rotate-token-keys.ts on a real (PGlite) Postgres with the project's migrations: rows under
// older keys are re-sealed under the newest one, readable afterwards with the old key gone, and a
// row that a token refresh rewrote meanwhile is left as that writer left it.
import { PGlite } from "@electric-sql/pglite";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, type SqlRunner } from "../../db/migrate";
import { rotateTokenKeys, tokenAad } from "../../scripts/rotate-token-keys";
import { readMigrations } from "../../scripts/lib/migrations";
import { decryptToken, encryptToken, keyIdOf, parseKeyRing, type KeyRing } from "../../workers/lib/token-crypto";

const key = (kid: string) => `${kid}:${randomBytes(32).toString("base64")}`;
const [k0, k1, k2] = [key("k0"), key("k1"), key("k2")];
const oldRing = parseKeyRing(k1);
const rotatedRing = parseKeyRing(`${k2},${k1}`);
const newOnlyRing = parseKeyRing(k2);

// As workers/connections/tokens.ts seals and opens them (test/workers/security-token-keys.test.ts
// checks that tokenAad matches it).
async function sealTokens(ring: KeyRing, id: string, tokens: { access_token: string; refresh_token?: string }) {
  return {
    accessTokenEnc: await encryptToken(ring, tokens.access_token, tokenAad.access(id)),
    refreshTokenEnc: tokens.refresh_token ? await encryptToken(ring, tokens.refresh_token, tokenAad.refresh(id)) : null,
  };
}
const openAccessToken = (ring: KeyRing, row: { id: string; accessTokenEnc: string }) => decryptToken(ring, row.accessTokenEnc, tokenAad.access(row.id));
const openRefreshToken = async (ring: KeyRing, row: { id: string; refreshTokenEnc: string | null }) =>
  row.refreshTokenEnc ? decryptToken(ring, row.refreshTokenEnc, tokenAad.refresh(row.id)) : null;

let db: PGlite;
let runner: SqlRunner;

beforeAll(async () => {
  db = new PGlite();
  runner = {
    exec: async (sql) => {
      await db.exec(sql);
    },
    query: async (sql, params) => (await db.query(sql, params as unknown[])).rows as never[],
  };
  await applyMigrations(runner, readMigrations());
}, 60_000);
afterAll(async () => {
  await db?.close();
});

async function insertConnection(ring: ReturnType<typeof parseKeyRing>, tokens: { access_token: string; refresh_token?: string }) {
  const id = crypto.randomUUID();
  const sealed = await sealTokens(ring, id, tokens);
  const user = await db.query<{ id: string }>("INSERT INTO users (subject) VALUES ($1) RETURNING id", [`rotation-${id}`]);
  await db.query(
    "INSERT INTO connections (id, user_id, vendor, vendor_user_id, access_token_enc, refresh_token_enc) VALUES ($1, $2, 'oura', $3, $4, $5)",
    [id, user.rows[0]!.id, `v-${id}`, sealed.accessTokenEnc, sealed.refreshTokenEnc],
  );
  return id;
}

async function stored(id: string) {
  return (await db.query<{ access_token_enc: string; refresh_token_enc: string | null }>(
    "SELECT access_token_enc, refresh_token_enc FROM connections WHERE id = $1", [id],
  )).rows[0]!;
}

describe("rotate-token-keys", () => {
  it("re-seals every row under older keys with the newest key; the old key can then go", async () => {
    const old = await Promise.all([
      insertConnection(oldRing, { access_token: "at-1", refresh_token: "rt-1" }),
      insertConnection(oldRing, { access_token: "at-2" }),
      insertConnection(oldRing, { access_token: "at-3", refresh_token: "rt-3" }),
    ]);
    const current = await insertConnection(rotatedRing, { access_token: "at-4", refresh_token: "rt-4" });
    const before = await stored(current);

    const report = await rotateTokenKeys(runner, rotatedRing, 2);
    expect(report).toEqual({ found: 3, rotated: 3, changedMeanwhile: 0, unreadable: [] });

    for (const [i, id] of old.entries()) {
      const row = await stored(id);
      expect(keyIdOf(row.access_token_enc)).toBe("k2");
      expect(await openAccessToken(newOnlyRing, { id, accessTokenEnc: row.access_token_enc })).toBe(`at-${i + 1}`);
      const refresh = await openRefreshToken(newOnlyRing, { id, refreshTokenEnc: row.refresh_token_enc });
      expect(refresh).toBe(i === 1 ? null : `rt-${i + 1}`);
    }
    expect(await stored(current)).toEqual(before);
    expect(await rotateTokenKeys(runner, rotatedRing)).toEqual({ found: 0, rotated: 0, changedMeanwhile: 0, unreadable: [] });
  });

  it("reports rows whose key is not in the ring and changes nothing in them", async () => {
    const lost = await insertConnection(parseKeyRing(k0), { access_token: "at-lost" });
    const before = await stored(lost);
    const report = await rotateTokenKeys(runner, rotatedRing);
    expect(report.unreadable).toEqual([lost]);
    expect(report.rotated).toBe(0);
    expect(await stored(lost)).toEqual(before);
    await db.query("DELETE FROM connections WHERE id = $1", [lost]);
  });

  it("leaves a row alone when a token refresh rewrote it between read and write", async () => {
    const id = await insertConnection(oldRing, { access_token: "at-old", refresh_token: "rt-old" });
    const refreshed = await sealTokens(rotatedRing, id, { access_token: "at-refreshed", refresh_token: "rt-refreshed" });
    const racing: SqlRunner = {
      ...runner,
      query: async (sql, params) => {
        if (sql.trimStart().startsWith("UPDATE")) {
          await db.query("UPDATE connections SET access_token_enc = $2, refresh_token_enc = $3 WHERE id = $1", [id, refreshed.accessTokenEnc, refreshed.refreshTokenEnc]);
        }
        return runner.query(sql, params);
      },
    };
    const report = await rotateTokenKeys(racing, rotatedRing);
    expect(report).toMatchObject({ found: 1, rotated: 0, changedMeanwhile: 1 });
    expect(await openAccessToken(newOnlyRing, { id, accessTokenEnc: (await stored(id)).access_token_enc })).toBe("at-refreshed");
  });
});
