// Small helpers on node:http shared by the vendor and identity-provider simulators.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export type RouteHandler = (ctx: RequestContext) => Promise<void> | void;

/** Sees every request before its route (faults.ts); true when it answered in the route's place. */
export interface RequestInterceptor {
  intercept(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

const LOOPBACK = "127.0.0.1";
const MAX_BODY_BYTES = 1024 * 1024;

export async function listen(router: Router, port = 0): Promise<RunningServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${LOOPBACK}`);
    router.dispatch(req, res, url).catch((error: unknown) => {
      if (error instanceof BadRequest) return sendJson(res, 400, { error: "invalid_request", detail: error.message });
      // The cause is not echoed: a simulator bug must not leak request content into answers.
      if (!res.headersSent) sendJson(res, 500, { error: "simulator_error" });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () => resolve());
  });
  const { port: boundPort } = server.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK}:${boundPort}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets from fetch would otherwise hold close() open for seconds.
        server.closeAllConnections();
      }),
  };
}

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

/** Path patterns use `:name` segments; the first matching route wins. */
export class Router {
  readonly #routes: Route[] = [];
  #onRequest: ((ctx: Omit<RequestContext, "params">) => void) | undefined;
  #interceptor: RequestInterceptor | undefined;

  on(method: string, pattern: string, handler: RouteHandler): this {
    this.#routes.push({ method, segments: pattern.split("/"), handler });
    return this;
  }

  /** Runs for every request, routed or not. */
  onRequest(hook: (ctx: Omit<RequestContext, "params">) => void): this {
    this.#onRequest = hook;
    return this;
  }

  /** Runs after the `onRequest` hook (so intercepted requests are logged too) and before routing. */
  intercept(interceptor: RequestInterceptor): this {
    this.#interceptor = interceptor;
    return this;
  }

  async dispatch(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.#onRequest?.({ req, res, url });
    if (this.#interceptor && (await this.#interceptor.intercept(req, res, url))) return;
    const requested = url.pathname.split("/");
    let pathMatched = false;
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, requested);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      await route.handler({ req, res, url, params });
      return;
    }
    sendJson(res, pathMatched ? 405 : 404, { detail: pathMatched ? "Method Not Allowed" : "Not Found" });
  }
}

function matchSegments(pattern: string[], requested: string[]): Record<string, string> | undefined {
  if (pattern.length !== requested.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of pattern.entries()) {
    const actual = requested[index] ?? "";
    if (segment.startsWith(":")) {
      if (actual === "") return undefined;
      params[segment.slice(1)] = decodeURIComponent(actual);
    } else if (segment !== actual) {
      return undefined;
    }
  }
  return params;
}

/** Thrown by body readers; the server answers 400. */
export class BadRequest extends Error {}

/** The request's bytes, refusing (BadRequest) more than `maxBytes`. */
export async function readRawBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new BadRequest("body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<string> {
  return (await readRawBody(req, maxBytes)).toString("utf8");
}

/** JSON text as a value, or BadRequest. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequest("body is not JSON");
  }
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new URLSearchParams(await readBody(req));
}

export async function readJson(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  return parseJsonBody(await readBody(req, maxBytes));
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { "content-length": 0 });
  res.end();
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, "content-length": 0 });
  res.end();
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  return match?.[1];
}

export function basicCredentials(req: IncomingMessage): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

export interface LoggedRequest {
  method: string;
  path: string;
  /** Query parameters minus anything that carries a credential. */
  query: Record<string, string>;
  status: number;
  /** The W3C trace header the caller sent, if any: tests follow one trace across hops. */
  traceparent?: string;
}

const CREDENTIAL_PARAMS = new Set(["access_token", "refresh_token", "code", "client_secret", "token"]);

/** Records every request once answered, so tests can assert what the hub called and how often. */
export function logRequests(log: LoggedRequest[], ctx: Pick<RequestContext, "req" | "res" | "url">): void {
  const query: Record<string, string> = {};
  for (const [name, value] of ctx.url.searchParams) {
    if (!CREDENTIAL_PARAMS.has(name)) query[name] = value;
  }
  ctx.res.once("finish", () => {
    const traceparent = ctx.req.headers.traceparent;
    log.push({
      method: ctx.req.method ?? "GET", path: ctx.url.pathname, query, status: ctx.res.statusCode,
      ...(typeof traceparent === "string" ? { traceparent } : {}),
    });
  });
}

interface PlannedFailure {
  status: number;
  retryAfterSeconds: number | undefined;
  account: string | undefined;
}

/**
 * Answers the next API calls with a chosen status, as a vendor under load or in an outage would.
 * `waitHeaders` says how the vendor states the wait (Oura: Retry-After; WHOOP: X-RateLimit-Reset).
 */
export class FaultPlan {
  readonly #planned: PlannedFailure[] = [];

  constructor(
    private readonly waitHeaders: (seconds: number) => Record<string, string> = (seconds) => ({ "retry-after": String(seconds) }),
  ) {}

  /** Plans `count` failures; with `account`, only that account's calls fail (parallel tests stay apart). */
  failNext(count: number, status: number, retryAfterSeconds?: number, account?: string | number): void {
    for (let i = 0; i < count; i++) this.#planned.push({ status, retryAfterSeconds, account: account === undefined ? undefined : String(account) });
  }

  /** True when a planned failure was sent in place of the real answer. */
  answer(res: ServerResponse, body: (status: number) => unknown, account?: string | number): boolean {
    const index = this.#planned.findIndex((f) => f.account === undefined || f.account === String(account));
    if (index < 0) return false;
    const [failure] = this.#planned.splice(index, 1);
    const headers: Record<string, string> =
      failure!.retryAfterSeconds === undefined ? {} : this.waitHeaders(failure!.retryAfterSeconds);
    sendJson(res, failure!.status, body(failure!.status), headers);
    return true;
  }
}

/** Opaque page cursor; the simulators encode only an offset, as vendors promise nothing more. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

export function decodePageToken(token: string | null): number {
  if (token === null || token === "") return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown };
    if (typeof parsed.o === "number" && Number.isInteger(parsed.o) && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through to the same answer as a well-formed but wrong token
  }
  throw new BadRequest("invalid page token");
}
