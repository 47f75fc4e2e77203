// W3C Trace Context: a webhook's trace continues through the queue, the consumer and the Durable Object.
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const ALL_ZERO = /^0+$/;

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The incoming `traceparent` when it is well formed, else the start of a new sampled trace. */
export function traceparentFor(incoming: string | null | undefined): string {
  const value = incoming?.trim().toLowerCase();
  const match = value ? TRACEPARENT.exec(value) : null;
  if (match && !ALL_ZERO.test(match[1]!) && !ALL_ZERO.test(match[2]!) && !value!.startsWith("ff")) return value!;
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}
