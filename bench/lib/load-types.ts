// Messages between the main thread and the load-generator thread.

export interface RequestTemplate {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** One request that did not get an expected status: kept for the app/emulator split. */
export interface FailedRequest {
  /** null when no HTTP answer came back (socket error or client timeout). */
  status: number | null;
  requestId?: string;
  body?: string;
  error?: string;
}

interface JobBase {
  origin: string;
  /** Requests are taken in order, one template per request, wrapping around. */
  requests: RequestTemplate[];
  /** Statuses that count as success. */
  expect: number[];
}

/** Open loop: request i is due at start + i / rate, whatever happened to the ones before it. */
export interface PacedJob extends JobBase {
  kind: "paced";
  rate: number;
  count: number;
  /**
   * Requests at the start that are sent and checked like the others but left out of the latencies:
   * the client's sockets are opened and its thread warms up during them.
   */
  warmup?: number;
  maxSockets: number;
  timeoutMs: number;
}

/** Closed loop: `connections` clients, each sending its next request when the previous one answered. */
export interface ClosedJob extends JobBase {
  kind: "closed";
  connections: number;
  durationS: number;
  timeoutS: number;
}

export type LoadJob = PacedJob | ClosedJob;

export interface Outcome {
  /** Requests sent. */
  sent: number;
  /** Answers with an expected status. */
  ok: number;
  statusCounts: Record<string, number>;
  failures: FailedRequest[];
  /** Failures beyond the ones kept in `failures`. */
  failuresDropped: number;
  wallS: number;
}

export interface PacedOutcome extends Outcome {
  kind: "paced";
  /** Milliseconds from each request's scheduled send time to the end of its answer (successful ones after the warm-up). */
  latenciesMs: Float64Array;
  /** Largest delay between a request's scheduled and actual send time (the client keeping up). */
  maxSendLagMs: number;
}

export interface ClosedOutcome extends Outcome {
  kind: "closed";
  requestsPerS: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Requests that got no answer (socket errors and timeouts), with the first error's message. */
  clientErrors: number;
  clientErrorExample?: string;
  timeouts: number;
}

export type LoadOutcome = PacedOutcome | ClosedOutcome;

export const MAX_KEPT_FAILURES = 50_000;
