// Accepting one vendor webhook: bounded read, signature, validation, durable enqueue. No Postgres on
// this path (it must answer within the vendors' deadlines at high rates); the consumer records the
// raw event and does the work.
import type { Context } from "hono";
import type { AppEnv } from "../lib/context";
import { ApiError } from "../lib/errors";
import { describeError } from "../lib/logger";
import type { WebhookOutcome } from "../lib/metrics";
import { RAW_WEBHOOK_BODY_MAX, type VendorEventMessage } from "../lib/messages";
import type { SignatureCheck, VendorEvent, WebhookAdapter } from "../vendors/types";

const REJECTION: Record<Exclude<SignatureCheck, { ok: true }>["reason"], string> = {
  missing_header: "missing signature or timestamp header",
  bad_timestamp: "invalid signature timestamp",
  stale_timestamp: "signature timestamp outside the tolerance window",
  bad_signature: "invalid signature",
};

export function vendorEventMessageFor(event: VendorEvent, raw: string, traceparent: string): VendorEventMessage {
  const message: VendorEventMessage = {
    kind: "vendor_event",
    vendor: event.vendor,
    vendor_user_id: event.vendor_user_id,
    object_type: event.object_type,
    object_id: event.object_id,
    action: event.action,
    event_time: event.event_time,
    traceparent,
  };
  if (event.trace_id !== undefined) message.trace_id = event.trace_id;
  if (raw.length <= RAW_WEBHOOK_BODY_MAX) message.raw = raw;
  return message;
}

function parseBody(adapter: WebhookAdapter, raw: string, receivedAtMs: number): VendorEvent {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ApiError("BAD_REQUEST", "body is not JSON");
  }
  const parsed = adapter.parseEvent(json, receivedAtMs);
  if (!parsed.ok) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    throw new ApiError("BAD_REQUEST", `${where}${issue?.message ?? "invalid webhook body"}`);
  }
  return parsed.value;
}

/** Answers 200 only once the event sits in the ingest queue; 503 otherwise, so the vendor retries. */
export async function acceptVendorWebhook(c: Context<AppEnv>, adapter: WebhookAdapter, secret: string) {
  try {
    const answer = await acceptSigned(c, adapter, secret);
    c.get("metrics").webhook(adapter.vendor, "accepted");
    return answer;
  } catch (error) {
    c.get("metrics").webhook(adapter.vendor, webhookOutcomeOf(error));
    throw error;
  }
}

function webhookOutcomeOf(error: unknown): WebhookOutcome {
  if (!(error instanceof ApiError)) return "error";
  const outcomes: Partial<Record<string, WebhookOutcome>> = {
    UNAUTHORIZED: "bad_signature", BAD_REQUEST: "bad_request", PAYLOAD_TOO_LARGE: "too_large", UNAVAILABLE: "enqueue_failed",
  };
  return outcomes[error.code] ?? "error";
}

async function acceptSigned(c: Context<AppEnv>, adapter: WebhookAdapter, secret: string) {
  const log = c.get("log").with({ vendor: adapter.vendor });
  // The route's body limit (lib/body-limit.ts) has refused anything over 64 KiB before this read.
  const raw = await c.req.text();
  const nowMs = Date.now();
  const check = await adapter.verifySignature({
    secret,
    timestampHeader: c.req.header(adapter.timestampHeader),
    signatureHeader: c.req.header(adapter.signatureHeader),
    rawBody: raw,
    nowMs,
    toleranceMs: c.get("config").WEBHOOK_TOLERANCE_SECONDS * 1000,
  });
  if (!check.ok) {
    log.warn("webhook_rejected", { reason: check.reason });
    throw new ApiError("UNAUTHORIZED", REJECTION[check.reason]);
  }
  const event = parseBody(adapter, raw, nowMs);
  const message = vendorEventMessageFor(event, raw, c.get("traceparent"));
  try {
    await c.env.INGEST_QUEUE.send(message, { contentType: "json" });
  } catch (error) {
    log.error("webhook_enqueue_failed", describeError(error));
    throw new ApiError("UNAVAILABLE", "the event could not be accepted; retry later", { "retry-after": "5" });
  }
  return c.json({ status: "accepted" as const }, 200);
}
