import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptToken, encryptToken, keyIdOf, parseKeyRing } from "../../workers/lib/token-crypto";

const key = () => randomBytes(32).toString("base64");

describe("vendor token encryption", () => {
  it("round-trips, and the stored form reveals neither the token nor a reusable pattern", async () => {
    const ring = parseKeyRing(`k1:${key()}`);
    const a = await encryptToken(ring, "oura-access-token-123", "conn-1");
    const b = await encryptToken(ring, "oura-access-token-123", "conn-1");
    expect(a).not.toContain("oura-access-token");
    expect(a).not.toEqual(b); // fresh IV each time
    expect(await decryptToken(ring, a, "conn-1")).toBe("oura-access-token-123");
  });

  it("refuses a ciphertext moved to another row (additional data mismatch)", async () => {
    const ring = parseKeyRing(`k1:${key()}`);
    const sealed = await encryptToken(ring, "secret", "conn-1");
    await expect(decryptToken(ring, sealed, "conn-2")).rejects.toThrow();
  });

  it("rotates: new writes use the newest key, values under the old key still open", async () => {
    const oldKey = key();
    const before = parseKeyRing(`k1:${oldKey}`);
    const sealedOld = await encryptToken(before, "token-a", "c");
    const after = parseKeyRing(`k2:${key()},k1:${oldKey}`);
    const sealedNew = await encryptToken(after, "token-b", "c");
    expect(keyIdOf(sealedOld)).toBe("k1");
    expect(keyIdOf(sealedNew)).toBe("k2");
    expect(await decryptToken(after, sealedOld, "c")).toBe("token-a");
    const dropped = parseKeyRing(`k2:${after.keys.get("k2")}`);
    await expect(decryptToken(dropped, sealedOld, "c")).rejects.toThrow(/unknown key id/);
  });

  it("rejects malformed key specifications", () => {
    expect(() => parseKeyRing("")).toThrow(/empty/);
    expect(() => parseKeyRing("k1:c2hvcnQ=")).toThrow(/32 bytes/);
    expect(() => parseKeyRing("nokid")).toThrow(/kid:base64key/);
  });
});
