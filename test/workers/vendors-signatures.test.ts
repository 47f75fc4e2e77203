// Webhook signature verification, in workerd: the comparison is crypto.subtle.timingSafeEqual, which
// Node's WebCrypto lacks. Signing is checked against Node's own HMAC in test/unit/vendors-signatures.test.ts.
import { describe, expect, it } from "vitest";
import { signOuraWebhook, verifyOuraSignature } from "../../workers/vendors/oura";
import { signWhoopWebhook, verifyWhoopSignature } from "../../workers/vendors/whoop";
import ouraBody from "../fixtures/oura/webhook-sleep-update.json";
import whoopBody from "../fixtures/whoop/webhook-sleep-updated.json";

const secret = "client-secret-for-tests";
const tolerance = 5 * 60_000;
const now = Date.parse("2026-03-10T07:31:20.000Z");

describe("Oura webhook signature", () => {
  const rawBody = JSON.stringify(ouraBody);
  const seconds = String(Math.floor(now / 1000));

  it("accepts a fresh signature in upper or lower case", async () => {
    const signature = await signOuraWebhook(secret, seconds, rawBody);
    for (const signatureHeader of [signature, signature.toLowerCase()]) {
      const result = await verifyOuraSignature({ secret, timestampHeader: seconds, signatureHeader, rawBody, nowMs: now, toleranceMs: tolerance });
      expect(result).toEqual({ ok: true });
    }
  });

  it("reads a timestamp above 10^12 as milliseconds", async () => {
    const millis = String(now - 2_000);
    const signatureHeader = await signOuraWebhook(secret, millis, rawBody);
    const result = await verifyOuraSignature({ secret, timestampHeader: millis, signatureHeader, rawBody, nowMs: now, toleranceMs: tolerance });
    expect(result).toEqual({ ok: true });
  });

  it("rejects a body changed after signing, another key, and a stale timestamp", async () => {
    const signatureHeader = await signOuraWebhook(secret, seconds, rawBody);
    const base = { secret, timestampHeader: seconds, signatureHeader, rawBody, nowMs: now, toleranceMs: tolerance };
    const tampered = rawBody.replace('"update"', '"delete"');
    expect(await verifyOuraSignature({ ...base, rawBody: tampered })).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verifyOuraSignature({ ...base, secret: "other-secret" })).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verifyOuraSignature({ ...base, nowMs: now + tolerance + 1_000 })).toEqual({ ok: false, reason: "stale_timestamp" });
    expect(await verifyOuraSignature({ ...base, nowMs: now - tolerance - 1_000 })).toEqual({ ok: false, reason: "stale_timestamp" });
  });

  it("rejects a replay whose timestamp header was moved forward", async () => {
    const old = String(Math.floor(now / 1000) - 3600);
    const signatureHeader = await signOuraWebhook(secret, old, rawBody);
    const result = await verifyOuraSignature({ secret, timestampHeader: seconds, signatureHeader, rawBody, nowMs: now, toleranceMs: tolerance });
    expect(result).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("rejects missing headers and timestamps that are not numbers", async () => {
    const signatureHeader = await signOuraWebhook(secret, seconds, rawBody);
    const base = { secret, signatureHeader, rawBody, nowMs: now, toleranceMs: tolerance };
    expect(await verifyOuraSignature({ ...base, timestampHeader: null })).toEqual({ ok: false, reason: "missing_header" });
    expect(await verifyOuraSignature({ ...base, timestampHeader: seconds, signatureHeader: "" })).toEqual({ ok: false, reason: "missing_header" });
    expect(await verifyOuraSignature({ ...base, timestampHeader: "2026-03-10T07:31:20Z" })).toEqual({ ok: false, reason: "bad_timestamp" });
    expect(await verifyOuraSignature({ ...base, timestampHeader: seconds, signatureHeader: "zz" })).toEqual({ ok: false, reason: "bad_signature" });
  });
});

describe("WHOOP webhook signature", () => {
  const rawBody = JSON.stringify(whoopBody);
  const millis = String(now);

  it("accepts a fresh signature", async () => {
    const signatureHeader = await signWhoopWebhook(secret, millis, rawBody);
    const result = await verifyWhoopSignature({ secret, timestampHeader: millis, signatureHeader, rawBody, nowMs: now, toleranceMs: tolerance });
    expect(result).toEqual({ ok: true });
  });

  it("treats a seconds timestamp as milliseconds, so it is stale", async () => {
    const seconds = String(Math.floor(now / 1000));
    const signatureHeader = await signWhoopWebhook(secret, seconds, rawBody);
    const result = await verifyWhoopSignature({ secret, timestampHeader: seconds, signatureHeader, rawBody, nowMs: now, toleranceMs: tolerance });
    expect(result).toEqual({ ok: false, reason: "stale_timestamp" });
  });

  it("rejects a tampered body, a hex signature and an old delivery", async () => {
    const signatureHeader = await signWhoopWebhook(secret, millis, rawBody);
    const base = { secret, timestampHeader: millis, signatureHeader, rawBody, nowMs: now, toleranceMs: tolerance };
    expect(await verifyWhoopSignature({ ...base, rawBody: rawBody.replace("10129", "10130") })).toEqual({ ok: false, reason: "bad_signature" });
    // The same MAC, hex-encoded as Oura would send it.
    const hex = (await signOuraWebhook(secret, millis, rawBody)).toLowerCase();
    expect(await verifyWhoopSignature({ ...base, signatureHeader: hex })).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verifyWhoopSignature({ ...base, nowMs: now + 10 * 60_000 })).toEqual({ ok: false, reason: "stale_timestamp" });
  });
});
