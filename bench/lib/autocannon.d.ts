// The part of autocannon's programmatic API the load generator uses (the package ships no types).
declare module "autocannon" {
  interface Histogram {
    average: number;
    p50: number;
    p97_5: number;
    p99: number;
    max: number;
  }
  interface RequestParams {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  }
  interface Request extends RequestParams {
    setupRequest?: (request: RequestParams, context: object) => RequestParams;
    onResponse?: (status: number, body: string, context: object, headers: Record<string, string | string[]>) => void;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    timeout?: number;
    pipelining?: number;
    requests?: Request[];
  }
  export interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    statusCodeStats: Record<string, { count: number }>;
  }
  /** Raw per-run result, as autocannon hands it back when it runs off the main thread. */
  export interface RawResult {
    [field: string]: unknown;
  }
  interface Instance extends PromiseLike<RawResult | Result> {
    on(event: "reqError", listener: (error: Error) => void): this;
  }
  function autocannon(options: Options): Instance;
  namespace autocannon {
    function aggregateResult(results: RawResult[], options: Pick<Options, "url" | "connections" | "duration">): Result;
  }
  export default autocannon;
}
