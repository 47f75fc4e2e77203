// Vendor tokens at rest: new writes use the newest key, older keys keep opening what they sealed, and
// the ciphertext is bound to its row by the additional data that scripts/rotate-token-keys.ts
// (tokenAad) re-creates when it re-seals rows under the newest key.
import { describe, expect, it } from "vitest";
import { openAccessToken, openRefreshToken, sealTokens } from "../../workers/connections/tokens";
import { decryptToken, keyIdOf, parseKeyRing } from "../../workers/lib/token-crypto";

const key = (kid: string) => `${kid}:${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`;
const [k1, k2] = [key("k1"), key("k2")];

describe("token encryption keys", () => {
  it("seals new tokens under the newest key and still opens tokens sealed under an older one", async () => {
    const id = crypto.randomUUID();
    const old = await sealTokens(parseKeyRing(k1), id, { access_token: "at-old", refresh_token: "rt-old" });
    const rotated = parseKeyRing(`${k2},${k1}`);
    const fresh = await sealTokens(rotated, id, { access_token: "at-new", refresh_token: "rt-new" });
    expect(keyIdOf(old.accessTokenEnc)).toBe("k1");
    expect(keyIdOf(fresh.accessTokenEnc)).toBe("k2");
    expect(keyIdOf(fresh.refreshTokenEnc!)).toBe("k2");
    expect(await openAccessToken(rotated, { id, accessTokenEnc: old.accessTokenEnc })).toBe("at-old");
    expect(await openRefreshToken(rotated, { id, refreshTokenEnc: fresh.refreshTokenEnc })).toBe("rt-new");
    // Without the old key its rows cannot be opened: that is why rows are re-sealed before a key goes.
    await expect(openAccessToken(parseKeyRing(k2), { id, accessTokenEnc: old.accessTokenEnc })).rejects.toThrow(/unknown key id/);
  });

  it("binds each ciphertext to its connection and role, in the format the rotation script re-creates", async () => {
    const ring = parseKeyRing(k1);
    const id = crypto.randomUUID();
    const sealed = await sealTokens(ring, id, { access_token: "at", refresh_token: "rt" });
    expect(await decryptToken(ring, sealed.accessTokenEnc, `${id}:access`)).toBe("at");
    expect(await decryptToken(ring, sealed.refreshTokenEnc!, `${id}:refresh`)).toBe("rt");
    // Moved to another row, or swapped between access and refresh, a ciphertext no longer opens.
    await expect(openAccessToken(ring, { id: crypto.randomUUID(), accessTokenEnc: sealed.accessTokenEnc })).rejects.toThrow();
    await expect(openAccessToken(ring, { id, accessTokenEnc: sealed.refreshTokenEnc! })).rejects.toThrow();
  });
});
