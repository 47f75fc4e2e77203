// Network and server conditions of a vendor simulator, changed at run time: added latency with
// jitter, bursts of 5xx or 429 answers (for N requests or N seconds) and slow bodies (headers sent
// at once, the body trickled). Generic on purpose: a simulator names only its own error body and
// rate-limit headers (Oura: Retry-After; WHOOP: X-RateLimit-Reset). Rules arrive from Node code or,
// as JSON, through the control channel (control.ts), so every rule is checked with zod.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { BadRequest, type RequestInterceptor } from "./http";

const scope = {
  /** A regular expression the request's path must match; absent: every request. */
  path: z.string().max(200).optional(),
};
const span = {
  /** The rule ends after this many matching requests… */
  count: z.number().int().positive().max(1_000_000).optional(),
  /** …or this many seconds after it was set, whichever comes first; neither: until cleared. */
  seconds: z.number().positive().max(3_600).optional(),
};

const latencyRule = z
  .object({ ...scope, minMs: z.number().min(0).max(60_000), maxMs: z.number().min(0).max(60_000).optional() })
  .refine((rule) => rule.maxMs === undefined || rule.maxMs >= rule.minMs, "maxMs must not be below minMs");
const failureBurst = z.object({ ...scope, ...span, status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]) });
const rateLimitBurst = z.object({ ...scope, ...span, resetSeconds: z.number().int().min(0).max(86_400) });
const slowBodyRule = z.object({
  ...scope,
  ...span,
  /** The body is spread over this long… */
  durationMs: z.number().positive().max(120_000),
  /** …in this many writes. */
  chunks: z.number().int().min(2).max(1_000).default(10),
});

export type LatencyRule = z.input<typeof latencyRule>;
export type FailureBurst = z.input<typeof failureBurst>;
export type RateLimitBurst = z.input<typeof rateLimitBurst>;
export type SlowBodyRule = z.input<typeof slowBodyRule>;

export interface NetworkFaultStats {
  requests: number;
  delayed: number;
  /** Answers the layer sent in place of the simulator's, by status. */
  failed: Record<string, number>;
  slowed: number;
}

export interface NetworkFaultsOptions {
  /** The vendor's error body for a simulated status. */
  errorBody?: (status: number) => unknown;
  /** The vendor's headers on a 429, given the seconds until its limit resets. */
  rateLimitHeaders?: (resetSeconds: number) => Record<string, string>;
  /** Clock and randomness, replaceable in tests. */
  now?: () => number;
  random?: () => number;
}

interface Window {
  pattern: RegExp | undefined;
  remaining: number;
  endsAtMs: number;
}

type Answer = { status: number; headers: Record<string, string> };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class NetworkFaults implements RequestInterceptor {
  readonly #options: Required<NetworkFaultsOptions>;
  #latency: { pattern: RegExp | undefined; minMs: number; maxMs: number } | undefined;
  #answers: (Window & Answer)[] = [];
  #slowBodies: (Window & { durationMs: number; chunks: number })[] = [];
  #stats: NetworkFaultStats = { requests: 0, delayed: 0, failed: {}, slowed: 0 };

  constructor(options: NetworkFaultsOptions = {}) {
    this.#options = {
      errorBody: (status) => ({ error: `simulated HTTP ${status}` }),
      rateLimitHeaders: (resetSeconds) => ({ "retry-after": String(resetSeconds) }),
      now: Date.now,
      random: Math.random,
      ...options,
    };
  }

  /** Every matching request waits a uniformly drawn minMs…maxMs before it is handled; null removes it. */
  setLatency(rule: LatencyRule | null): void {
    if (rule === null) {
      this.#latency = undefined;
      return;
    }
    const parsed = checked(latencyRule, rule);
    this.#latency = { pattern: pattern(parsed.path), minMs: parsed.minMs, maxMs: parsed.maxMs ?? parsed.minMs };
  }

  /** Matching requests answer `status` (500/502/503/504) for the rule's count or seconds. */
  failures(burst: FailureBurst): void {
    const parsed = checked(failureBurst, burst);
    this.#answers.push({ ...this.#window(parsed), status: parsed.status, headers: {} });
  }

  /** Matching requests answer 429 with the vendor's reset headers for the rule's count or seconds. */
  rateLimit(burst: RateLimitBurst): void {
    const parsed = checked(rateLimitBurst, burst);
    this.#answers.push({ ...this.#window(parsed), status: 429, headers: this.#options.rateLimitHeaders(parsed.resetSeconds) });
  }

  /** Matching answers send their headers at once and their body in `chunks` writes over `durationMs`. */
  slowBodies(rule: SlowBodyRule): void {
    const parsed = checked(slowBodyRule, rule);
    this.#slowBodies.push({ ...this.#window(parsed), durationMs: parsed.durationMs, chunks: parsed.chunks });
  }

  /** Back to a fast, healthy vendor (counters stay). */
  clear(): void {
    this.#latency = undefined;
    this.#answers = [];
    this.#slowBodies = [];
  }

  stats(): NetworkFaultStats {
    return structuredClone(this.#stats);
  }

  async intercept(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    this.#stats.requests++;
    const path = url.pathname;
    const latency = this.#latency;
    if (latency && matches(latency.pattern, path)) {
      this.#stats.delayed++;
      await sleep(latency.minMs + this.#options.random() * (latency.maxMs - latency.minMs));
    }
    const answer = this.#take(this.#answers, path);
    if (answer) {
      this.#stats.failed[answer.status] = (this.#stats.failed[answer.status] ?? 0) + 1;
      await drain(req);
      const text = JSON.stringify(this.#options.errorBody(answer.status));
      res.writeHead(answer.status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...answer.headers });
      res.end(text);
      return true;
    }
    const slow = this.#take(this.#slowBodies, path);
    if (slow) {
      this.#stats.slowed++;
      trickleBody(res, slow.durationMs, slow.chunks);
    }
    return false;
  }

  #window(rule: { path?: string; count?: number; seconds?: number }): Window {
    return {
      pattern: pattern(rule.path),
      remaining: rule.count ?? Number.POSITIVE_INFINITY,
      endsAtMs: rule.seconds === undefined ? Number.POSITIVE_INFINITY : this.#options.now() + rule.seconds * 1000,
    };
  }

  /** The first live rule matching the path, counted as used; spent and expired rules are dropped. */
  #take<T extends Window>(rules: T[], path: string): T | undefined {
    const now = this.#options.now();
    for (let i = rules.length - 1; i >= 0; i--) {
      if (rules[i]!.remaining <= 0 || rules[i]!.endsAtMs <= now) rules.splice(i, 1);
    }
    const rule = rules.find((candidate) => matches(candidate.pattern, path));
    if (rule) rule.remaining--;
    return rule;
  }
}

/** A rule as its schema reads it; a bad one is a BadRequest (the control channel answers 400). */
function checked<T extends z.ZodType>(schema: T, rule: unknown): z.output<T> {
  const result = schema.safeParse(rule);
  if (!result.success) throw new BadRequest(z.prettifyError(result.error));
  return result.data;
}

function pattern(source: string | undefined): RegExp | undefined {
  return source === undefined ? undefined : new RegExp(source);
}

function matches(rule: RegExp | undefined, path: string): boolean {
  return rule === undefined || rule.test(path);
}

/** Reads and discards a request body the layer answers in the handler's place (keeps keep-alive usable). */
async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req as AsyncIterable<Buffer>) {
    // discarded
  }
}

/**
 * Replaces `res.end` so that whatever the handler answers goes out as headers first, then the body
 * in `chunks` pieces spaced over `durationMs`. Stops early when the client goes away.
 */
function trickleBody(res: ServerResponse, durationMs: number, chunks: number): void {
  const end = res.end.bind(res);
  res.end = ((chunk?: unknown) => {
    const body = typeof chunk === "string" || chunk instanceof Uint8Array ? Buffer.from(chunk) : Buffer.alloc(0);
    res.flushHeaders();
    void (async () => {
      const size = Math.ceil(body.length / chunks);
      for (let i = 0; i < chunks && !res.destroyed; i++) {
        await sleep(durationMs / chunks);
        const piece = body.subarray(i * size, (i + 1) * size);
        if (piece.length > 0) res.write(piece);
      }
      if (!res.destroyed) end();
    })();
    return res;
  }) as ServerResponse["end"];
}
