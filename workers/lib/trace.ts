// W3C Trace Context: a webhook's trace continues through the queue, the consumer, the vendor fetches,
// the insights message and the Durable Object's recompute, so one trace id finds every log line. The
// insights consumer hands the object a child span of the message's trace (`requestRecompute`); the
// object keeps the latest request's traceparent, and its alarm's recompute logs under it
// (test/workers/observability-flow.test.ts follows one webhook through all of them).
import { bytesToHex } from "./encoding";

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const ALL_ZERO = /^0+$/;

function randomHex(bytes: number): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The incoming `traceparent` when it is well formed, else the start of a new sampled trace. */
export function traceparentFor(incoming: string | null | undefined): string {
  const value = incoming?.trim().toLowerCase();
  const match = value ? TRACEPARENT.exec(value) : null;
  if (match && !ALL_ZERO.test(match[1]!) && !ALL_ZERO.test(match[2]!) && !value!.startsWith("ff")) return value!;
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

/** The trace id (32 hex digits) of a well-formed traceparent, for log lines; undefined otherwise. */
export function traceIdOf(traceparent: string | null | undefined): string | undefined {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  return match ? match[1] : undefined;
}

/** The same trace with a new span id: what a hop (vendor fetch, recompute request) sends onward. */
export function childTraceparent(traceparent: string | undefined): string | undefined {
  const traceId = traceIdOf(traceparent);
  return traceId ? `00-${traceId}-${randomHex(8)}-01` : undefined;
}

/** A queue body's traceparent, read before validation so that even a refused message is traceable. */
export function traceparentOfBody(body: unknown): string | undefined {
  const value = (body as { traceparent?: unknown } | null)?.traceparent;
  return typeof value === "string" && TRACEPARENT.test(value) ? value : undefined;
}
