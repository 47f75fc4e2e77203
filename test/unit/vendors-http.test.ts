import { describe, expect, it } from "vitest";
import { VendorError, parseRetryAfter } from "../../workers/vendors/http";
import { fetchOuraSleep } from "../../workers/vendors/oura";
import type { FetchLike, VendorApi } from "../../workers/vendors/types";
import { fetchWhoopRecovery } from "../../workers/vendors/whoop";
import longSleepJson from "../fixtures/oura/sleep-long-sleep.json";

const base = "https://vendor.test";
const token = "secret-access-token-123";
const api = (fetchImpl: FetchLike): VendorApi => ({ baseUrl: base, accessToken: token, fetchImpl });

/** A vendor that answers every request with the given status, headers and body. */
function answering(status: number, headers: Record<string, string> = {}, body: unknown = { detail: "x" }) {
  return async () => Response.json(body, { status, headers });
}

async function failureOf(promise: Promise<unknown>): Promise<VendorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof VendorError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("VendorError classification", () => {
  it("429 with Retry-After seconds is retryable after that many seconds", async () => {
    const error = await failureOf(fetchOuraSleep(api(answering(429, { "retry-after": "120" })), "abc"));
    expect(error).toMatchObject({ kind: "retryable", status: 429, retryAfterSeconds: 120, vendor: "oura" });
  });

  it("503 with an HTTP-date Retry-After is retryable until that date", async () => {
    const at = new Date(Date.now() + 90_000).toUTCString();
    const error = await failureOf(fetchWhoopRecovery(api(answering(503, { "retry-after": at })), 93845));
    expect(error.kind).toBe("retryable");
    // HTTP dates have whole seconds, so allow for the truncation and the test's own run time.
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(85);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(90);
  });

  it("5xx without Retry-After and a network failure are retryable with no wait given", async () => {
    expect(await failureOf(fetchOuraSleep(api(answering(502)), "abc"))).toMatchObject({
      kind: "retryable",
      retryAfterSeconds: null,
    });
    const offline = async () => {
      throw new TypeError(`fetch failed for ${base} with ${token}`);
    };
    const error = await failureOf(fetchOuraSleep(api(offline), "abc"));
    expect(error).toMatchObject({ kind: "retryable", status: null });
    expect(error.message).not.toContain(token);
  });

  it("WHOOP's 429 states the wait in X-RateLimit-Reset (seconds), which the retry honours", async () => {
    const headers = { "x-ratelimit-limit": "100, 100;window=60, 10000;window=86400", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "42" };
    const error = await failureOf(fetchWhoopRecovery(api(answering(429, headers)), 93845));
    expect(error).toMatchObject({ kind: "retryable", status: 429, retryAfterSeconds: 42, vendor: "whoop" });
  });

  it("Oura's 403 on data is a lapsed membership, not a revoked grant; WHOOP's 403 needs a new consent", async () => {
    expect((await failureOf(fetchOuraSleep(api(answering(403)), "abc"))).kind).toBe("membership_lapsed");
    expect((await failureOf(fetchWhoopRecovery(api(answering(403)), 93845))).kind).toBe("auth");
  });

  it("401 needs a new consent, 404 is not found, other 4xx are permanent", async () => {
    expect((await failureOf(fetchOuraSleep(api(answering(401)), "abc"))).kind).toBe("auth");
    expect((await failureOf(fetchOuraSleep(api(answering(404)), "abc"))).kind).toBe("not_found");
    expect((await failureOf(fetchOuraSleep(api(answering(400)), "abc"))).kind).toBe("permanent");
    expect((await failureOf(fetchOuraSleep(api(answering(422)), "abc"))).kind).toBe("permanent");
  });

  it("an invalid document is permanent and its message names the field, not the value", async () => {
    const broken = { ...longSleepJson, average_hrv: "48.6123" };
    const error = await failureOf(fetchOuraSleep(api(answering(200, {}, broken)), "abc"));
    expect(error.kind).toBe("permanent");
    expect(error.message).toContain("average_hrv");
    expect(error.message).not.toContain("48.6123");
    expect(error.message).not.toContain(token);
  });

  it("a body that is not JSON is permanent", async () => {
    const html = async () => new Response("<html>maintenance</html>", { status: 200 });
    expect((await failureOf(fetchOuraSleep(api(html), "abc"))).kind).toBe("permanent");
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-03-10T12:00:00Z");

  it("reads delta-seconds and HTTP dates, and never returns a negative wait", () => {
    expect(parseRetryAfter("30", now)).toBe(30);
    expect(parseRetryAfter("Tue, 10 Mar 2026 12:01:00 GMT", now)).toBe(60);
    expect(parseRetryAfter("Tue, 10 Mar 2026 11:00:00 GMT", now)).toBe(0);
  });

  it("ignores an absent or unreadable header", () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter("-5", now)).toBeNull();
  });
});

describe("vendor reads", () => {
  it("call the API's fetch unbound, as workerd's own fetch requires (it refuses another `this`)", async () => {
    async function runtimeFetch(this: unknown): Promise<Response> {
      if (this !== undefined) throw new TypeError("Illegal invocation");
      return Response.json(longSleepJson);
    }
    expect((await fetchOuraSleep(api(runtimeFetch), longSleepJson.id)).id).toBe(longSleepJson.id);
  });
});
