// Vendor API calls made for one queue message: each carries the message's trace onward (W3C
// `traceparent` header, a new span per call) and leaves a data point with the vendor, the endpoint
// without ids, the status and the latency.
import { endpointClass, type Metrics } from "../lib/metrics";
import { childTraceparent } from "../lib/trace";
import type { FetchLike, Vendor } from "./types";

export type ApiBases = Record<Vendor, string>;

export function tracedVendorFetch(fetchImpl: FetchLike, traceparent: string | undefined, metrics: Metrics | undefined, apiBases: ApiBases): FetchLike {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    const span = childTraceparent(traceparent);
    if (span) headers.set("traceparent", span);
    const startedMs = Date.now();
    let status = 0;
    try {
      const response = await fetchImpl(input, { ...init, headers });
      status = response.status;
      return response;
    } finally {
      metrics?.vendorCall(vendorOfUrl(input, apiBases), endpointClass(input), status, Date.now() - startedMs);
    }
  };
}

function vendorOfUrl(url: string, apiBases: ApiBases): string {
  for (const [vendor, base] of Object.entries(apiBases)) if (url.startsWith(base)) return vendor;
  return "other";
}
