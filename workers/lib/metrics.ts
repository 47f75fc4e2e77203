// Operational metrics through a Workers Analytics Engine dataset (binding METRICS). Points are
// collected while work runs and written in one go from `waitUntil`, never on a request's critical
// path. Each kind has a fixed column layout, documented in docs/operations/observability.md, that the
// SQL in docs/operations/alerts.md reads: blob1 = kind (also index1, the sampling key), then the
// kind's dimensions as blob2…, and its measures as double1…. No user ids, tokens or values: only
// routes, vendors, queues, outcomes, statuses and timings.

/** What the hub needs of a dataset binding; a real `AnalyticsEngineDataset` is one. */
export interface MetricsSink {
  // A service binding standing in for the dataset (workerd tests) answers with a promise.
  writeDataPoint(point: AnalyticsEngineDataPoint): void | Promise<unknown>;
}

export type QueueOutcome = "ack" | "retry" | "dead_letter" | "failed";
export type WebhookOutcome = "accepted" | "bad_signature" | "bad_request" | "too_large" | "enqueue_failed" | "error";

export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

export class Metrics {
  private readonly points: AnalyticsEngineDataPoint[] = [];

  constructor(private readonly sink: MetricsSink | undefined) {}

  /** One HTTP request: the matched route pattern (never the raw path, which holds ids). */
  request(route: string, method: string, status: number, latencyMs: number): void {
    this.add("request", [route, statusClass(status), method], [latencyMs, status]);
  }

  webhook(vendor: string, outcome: WebhookOutcome): void {
    this.add("webhook", [vendor, outcome], [1]);
  }

  /** One queue message handled; lag is from its (first) enqueue to the start of this handling. */
  queueMessage(queue: string, outcome: QueueOutcome, vendor: string, attempts: number, lagMs: number, durationMs: number): void {
    this.add("queue", [queueRole(queue), outcome, vendor], [attempts, lagMs, durationMs]);
  }

  vendorCall(vendor: string, endpoint: string, status: number, latencyMs: number): void {
    this.add("vendor_call", [vendor, endpoint, status === 0 ? "network" : statusClass(status)], [latencyMs, status]);
  }

  recompute(outcome: "computed" | "user_gone" | "failed", dates: number, durationMs: number): void {
    this.add("recompute", [outcome], [dates, durationMs]);
  }

  deadLetter(queue: string, reason: string): void {
    this.add("dead_letter", [queueRole(queue), reasonClass(reason)], [1]);
  }

  get pending(): number {
    return this.points.length;
  }

  /** Writes what was collected; meant for `ctx.waitUntil`. Never throws: metrics must not fail work. */
  async flush(): Promise<void> {
    if (!this.sink || this.points.length === 0) return;
    const points = this.points.splice(0);
    try {
      await Promise.all(points.map((point) => this.sink!.writeDataPoint(point)));
    } catch {
      /* a lost data point is not worth failing or retrying anything */
    }
  }

  private add(kind: string, blobs: string[], doubles: number[]): void {
    if (!this.sink) return;
    this.points.push({ indexes: [kind], blobs: [kind, ...blobs], doubles: doubles.map((d) => Math.round(d * 100) / 100) });
  }
}

/** `hub-staging-ingest` → `ingest`: dashboards group by role across environments. */
export function queueRole(queue: string): string {
  return queue.replace(/-dlq$/, "").split("-").at(-1) ?? queue;
}

/** Dead-letter reasons carry detail (zod paths); dashboards need a handful of classes. */
export function reasonClass(reason: string): string {
  if (reason.startsWith("invalid message")) return "invalid_message";
  if (reason.startsWith("retries exhausted")) return "retries_exhausted";
  return "permanent";
}

/** `/v2/usercollection/sleep/8f9a…` → `usercollection/sleep`: the endpoint without ids. */
export function endpointClass(url: string): string {
  try {
    const parts = new URL(url).pathname.split("/").filter((part) => /^[a-z_]+$/.test(part) && part !== "developer" && part !== "v2" && part !== "v1");
    return parts.join("/") || "root";
  } catch {
    return "unknown";
  }
}
