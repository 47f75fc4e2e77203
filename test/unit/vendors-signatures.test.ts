// Signing as the vendors document it, checked against Node's own HMAC. Verification compares in
// constant time with workerd's crypto.subtle.timingSafeEqual, so its tests run in workerd
// (test/workers/vendors-signatures.test.ts).
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signOuraWebhook } from "../../workers/vendors/oura";
import { signWhoopWebhook } from "../../workers/vendors/whoop";
import ouraBody from "../fixtures/oura/webhook-sleep-update.json";
import whoopBody from "../fixtures/whoop/webhook-sleep-updated.json";

const secret = "client-secret-for-tests";
const now = Date.parse("2026-03-10T07:31:20.000Z");

describe("Oura webhook signature", () => {
  const rawBody = JSON.stringify(ouraBody);
  const seconds = String(Math.floor(now / 1000));

  it("signs as Oura documents it: upper-case hex HMAC-SHA256 of timestamp + body", async () => {
    // An independent implementation, so signer and verifier cannot share a mistake.
    const expected = createHmac("sha256", secret).update(seconds + rawBody).digest("hex").toUpperCase();
    expect(await signOuraWebhook(secret, seconds, rawBody)).toBe(expected);
  });
});

describe("WHOOP webhook signature", () => {
  const rawBody = JSON.stringify(whoopBody);
  const millis = String(now);

  it("signs as WHOOP documents it: base64 HMAC-SHA256 of timestamp + body", async () => {
    const expected = createHmac("sha256", secret).update(millis + rawBody).digest("base64");
    expect(await signWhoopWebhook(secret, millis, rawBody)).toBe(expected);
  });
});
