// The webhook endpoints at the HTTP boundary (CONTRACT §2): handshake, signatures, validation, size
// limit, durable enqueue. The ingest queue is replaced by a spy, so "changes nothing" means "nothing
// was accepted for processing".
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { VendorEventMessage } from "../../workers/lib/messages";
import { testEnv } from "./helpers";
import { fetchWithQueue, HUB, ouraEvent, signedOuraRequest, signedWhoopRequest, spyQueue, whoopEvent } from "./ingest-helpers";

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { code: string; message: string; request_id: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.request_id).toBeTruthy();
  return body.error;
}

describe("GET /webhooks/oura (subscription handshake)", () => {
  it("echoes the challenge when the verification token matches", async () => {
    const url = `${HUB}/webhooks/oura?verification_token=${encodeURIComponent(testEnv.OURA_WEBHOOK_VERIFICATION_TOKEN!)}&challenge=abc-123`;
    const res = await SELF.fetch(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: "abc-123" });
  });

  it("answers 401 for a wrong or missing token", async () => {
    await expectError(await SELF.fetch(`${HUB}/webhooks/oura?verification_token=wrong&challenge=abc`), 401, "UNAUTHORIZED");
    await expectError(await SELF.fetch(`${HUB}/webhooks/oura?challenge=abc`), 401, "UNAUTHORIZED");
  });
});

describe("POST /webhooks/oura", () => {
  const event = ouraEvent("oura-user-1", "sleep-doc-1");

  it("queues a signed event with its raw body and a new traceparent, then answers 200", async () => {
    const queue = spyQueue();
    const request = await signedOuraRequest(event)();
    const res = await fetchWithQueue(request, queue);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "accepted" });
    expect(queue.bodies).toHaveLength(1);
    const message = queue.bodies[0] as VendorEventMessage;
    expect(message).toMatchObject({
      kind: "vendor_event", vendor: "oura", vendor_user_id: "oura-user-1", object_type: "sleep",
      object_id: "sleep-doc-1", action: "upsert", raw: JSON.stringify(event),
    });
    expect(message.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it("carries an incoming traceparent and reads a delete event as a deletion", async () => {
    const queue = spyQueue();
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const request = await signedOuraRequest(ouraEvent("oura-user-1", "sleep-doc-1", "delete"), { headers: { traceparent } })();
    expect((await fetchWithQueue(request, queue)).status).toBe(200);
    expect(queue.bodies[0]).toMatchObject({ action: "delete", traceparent });
  });

  it("accepts a signature in lower-case hex and a millisecond timestamp", async () => {
    const queue = spyQueue();
    const request = await signedOuraRequest(event, { timestampSeconds: Date.now() })();
    const lower = new Request(request, { headers: new Headers(request.headers) });
    lower.headers.set("x-oura-signature", request.headers.get("x-oura-signature")!.toLowerCase());
    expect((await fetchWithQueue(lower, queue)).status).toBe(200);
    expect(queue.bodies).toHaveLength(1);
  });

  it("refuses a bad signature, a missing signature and a stale timestamp with 401, queueing nothing", async () => {
    const queue = spyQueue();
    const forged = await signedOuraRequest(event, { secret: "not-the-secret" })();
    expect((await expectError(await fetchWithQueue(forged, queue), 401, "UNAUTHORIZED")).message).toBe("invalid signature");

    const unsigned = new Request(`${HUB}/webhooks/oura`, { method: "POST", body: JSON.stringify(event) });
    await expectError(await fetchWithQueue(unsigned, queue), 401, "UNAUTHORIZED");

    const stale = await signedOuraRequest(event, { timestampSeconds: Math.floor(Date.now() / 1000) - 301 })();
    const error = await expectError(await fetchWithQueue(stale, queue), 401, "UNAUTHORIZED");
    expect(error.message).toMatch(/tolerance/);

    // A body changed after signing no longer verifies.
    const signed = await signedOuraRequest(event)();
    const tampered = new Request(signed.url, { method: "POST", headers: signed.headers, body: JSON.stringify({ ...event, user_id: "someone-else" }) });
    await expectError(await fetchWithQueue(tampered, queue), 401, "UNAUTHORIZED");
    expect(queue.bodies).toHaveLength(0);
  });

  it("refuses a signed but malformed body with 400, queueing nothing", async () => {
    const queue = spyQueue();
    await expectError(await fetchWithQueue(await signedOuraRequest("{not json")(), queue), 400, "BAD_REQUEST");
    const missing = { ...event, object_id: undefined };
    expect((await expectError(await fetchWithQueue(await signedOuraRequest(missing)(), queue), 400, "BAD_REQUEST")).message).toMatch(/object_id/);
    const pathTraversal = { ...event, object_id: "../../personal_info" };
    await expectError(await fetchWithQueue(await signedOuraRequest(pathTraversal)(), queue), 400, "BAD_REQUEST");
    expect(queue.bodies).toHaveLength(0);
  });

  it("refuses a body over 64 KiB with 413, whether or not Content-Length announces it", async () => {
    const queue = spyQueue();
    const big = JSON.stringify({ ...event, padding: "x".repeat(64 * 1024) });
    await expectError(await fetchWithQueue(await signedOuraRequest(big)(), queue), 413, "PAYLOAD_TOO_LARGE");

    // Streamed without a Content-Length: the limit holds on the bytes actually read.
    const signed = await signedOuraRequest(big)();
    const chunks = [big.slice(0, 40_000), big.slice(40_000)].map((part) => new TextEncoder().encode(part));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const headers = new Headers(signed.headers);
    headers.delete("content-length");
    const streamed = new Request(signed.url, { method: "POST", headers, body: stream });
    expect(streamed.headers.get("content-length")).toBeNull();
    await expectError(await fetchWithQueue(streamed, queue), 413, "PAYLOAD_TOO_LARGE");
    expect(queue.bodies).toHaveLength(0);
  });

  it("answers 503 UNAVAILABLE when the queue refuses the event, so that Oura retries", async () => {
    const res = await fetchWithQueue(await signedOuraRequest(event)(), spyQueue(true));
    await expectError(res, 503, "UNAVAILABLE");
  });
});

describe("POST /webhooks/whoop", () => {
  const event = whoopEvent(10129, "ecfc6a15-4661-442f-a9a4-f160dd7afae8", "recovery.updated");

  it("queues a signed event (a recovery event names its sleep) and answers 200", async () => {
    const queue = spyQueue();
    const res = await fetchWithQueue(await signedWhoopRequest(event)(), queue);
    expect(res.status).toBe(200);
    expect(queue.bodies[0]).toMatchObject({
      kind: "vendor_event", vendor: "whoop", vendor_user_id: "10129", object_type: "recovery",
      object_id: event.id, action: "upsert", trace_id: event.trace_id, raw: JSON.stringify(event),
    });
  });

  it("refuses a bad signature, a stale or second-based timestamp (401), a malformed body (400) and an oversized one (413)", async () => {
    const queue = spyQueue();
    const signed = await signedWhoopRequest(event)();
    const forged = new Request(signed, { headers: new Headers(signed.headers) });
    forged.headers.set("X-WHOOP-Signature", btoa("x".repeat(32)));
    await expectError(await fetchWithQueue(forged, queue), 401, "UNAUTHORIZED");
    await expectError(await fetchWithQueue(await signedWhoopRequest(event, { timestampMs: Date.now() - 6 * 60_000 })(), queue), 401, "UNAUTHORIZED");
    await expectError(await fetchWithQueue(await signedWhoopRequest(event, { timestampMs: Math.floor(Date.now() / 1000) })(), queue), 401, "UNAUTHORIZED");
    await expectError(await fetchWithQueue(await signedWhoopRequest({ ...event, type: "sleep" })(), queue), 400, "BAD_REQUEST");
    await expectError(await fetchWithQueue(await signedWhoopRequest({ ...event, pad: "x".repeat(70_000) })(), queue), 413, "PAYLOAD_TOO_LARGE");
    expect(queue.bodies).toHaveLength(0);
  });

  it("answers 503 when the queue refuses the event", async () => {
    await expectError(await fetchWithQueue(await signedWhoopRequest(event)(), spyQueue(true)), 503, "UNAVAILABLE");
  });
});

describe("webhook routes through the real queue", () => {
  it("answer 200 from the deployed Worker (real Queue binding), and 404 (never 410) on other methods", async () => {
    const res = await SELF.fetch(await signedOuraRequest(ouraEvent(`unknown-${crypto.randomUUID()}`, "doc-x"))());
    expect(res.status).toBe(200);
    const other = await SELF.fetch(`${HUB}/webhooks/oura`, { method: "DELETE" });
    expect([404, 405]).toContain(other.status);
  });
});
