// Edge protections applied before any route: security headers, CORS for listed origins only,
// Cloudflare Access in preview environments (closed without it), and per-IP rate limits on the paths
// that carry no user token (vendor webhooks, OAuth callbacks, the readiness probe). Per-user limits on /v1 live in auth.ts, after the token.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../lib/context";
import { ApiError } from "../lib/errors";
import { TokenInvalid, verifyJwt } from "../lib/jwks";
import type { JWTPayload } from "jose";

/** Mirrors `period` of the [[ratelimits]] bindings in wrangler.toml: the longest wait a client needs. */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

const SECURITY_HEADERS: Record<string, string> = {
  "strict-transport-security": "max-age=63072000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "content-security-policy": "frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
};
const CORS_ALLOW_METHODS = "GET, POST, PATCH, DELETE, OPTIONS";
const CORS_ALLOW_HEADERS = "authorization, content-type, x-request-id";
const CORS_EXPOSE_HEADERS = "x-request-id, retry-after";
const ACCESS_ASSERTION = "cf-access-jwt-assertion";
const PLAUSIBLE_IP = /^[0-9a-fA-F:.]{2,45}$/;

export function securityMiddleware(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Headers set before `next` reach every answer the app builds, error envelopes included;
    // the pass after `next` covers responses handed through unchanged (e.g. from a Durable Object).
    const headers = answerHeaders(c);
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    const webhook = c.req.path.startsWith("/webhooks/");
    // Before any route is matched, so that every path (present or future, /ops included) is covered.
    if (!webhook && closedPreview(c.env)) throw new ApiError("FORBIDDEN", "this preview environment is closed");
    // Per client IP: a tight limit on OAuth callbacks (people), a flood guard on webhooks (vendors).
    if (webhook) await enforceRateLimit(c.env.WEBHOOK_RATE_LIMITER, `ip:${clientIp(c)}`);
    else if (c.req.path.startsWith("/oauth/") || c.req.path === "/health/ready") await enforceRateLimit(c.env.IP_RATE_LIMITER, `ip:${clientIp(c)}`);
    if (c.env.ACCESS_AUD && !webhook) await requireAccessAssertion(c);
    const origin = c.req.header("origin");
    if (c.req.method === "OPTIONS" && origin && c.req.header("access-control-request-method")) {
      if (!headers["access-control-allow-origin"]) throw new ApiError("FORBIDDEN", "origin not allowed");
      return c.body(null, 204, {
        "access-control-allow-methods": CORS_ALLOW_METHODS,
        "access-control-allow-headers": CORS_ALLOW_HEADERS,
        "access-control-max-age": "600",
      });
    }
    await next();
    applyHeaders(c, headers);
  };
}

const OPEN_ENVIRONMENTS = new Set<string | undefined>([undefined, "", "development", "staging", "production"]);

/**
 * A preview Worker (`hub-pr-N`) is reachable only through Cloudflare Access: without ACCESS_AUD it
 * has no Access check, so it refuses everything but the signed vendor webhooks. An ENVIRONMENT value
 * that is none of the known ones counts as a preview (closed), not as production.
 */
export function closedPreview(env: { ENVIRONMENT?: string; ACCESS_AUD?: string }): boolean {
  return !OPEN_ENVIRONMENTS.has(env.ENVIRONMENT) && !env.ACCESS_AUD;
}

function answerHeaders(c: Context<AppEnv>): Record<string, string> {
  const headers = { ...SECURITY_HEADERS };
  const path = c.req.path;
  // Personal data and OAuth codes must not sit in any cache.
  if (path.startsWith("/v1/") || path === "/v1" || path.startsWith("/oauth/")) headers["cache-control"] = "no-store";
  const origin = c.req.header("origin");
  const allowed = allowedOrigins(c.env.CORS_ORIGINS);
  if (allowed.size > 0) headers.vary = "Origin";
  if (origin && allowed.has(origin)) {
    headers["access-control-allow-origin"] = origin;
    headers["access-control-expose-headers"] = CORS_EXPOSE_HEADERS;
  }
  return headers;
}

/** The parsed CORS_ORIGINS of the last spec seen: parsing URLs on every request is a measurable cost. */
let parsedOrigins: { spec: string | undefined; origins: Set<string> } | undefined;

/** Exact origins only: no wildcards, and entries that are not an origin never match anything. */
function allowedOrigins(spec: string | undefined): Set<string> {
  if (parsedOrigins && parsedOrigins.spec === spec) return parsedOrigins.origins;
  const origins = new Set<string>();
  for (const entry of (spec ?? "").split(",").map((s) => s.trim())) {
    if (entry && parseUrl(entry)?.origin === entry) origins.add(entry);
  }
  parsedOrigins = { spec, origins };
  return origins;
}

function applyHeaders(c: Context<AppEnv>, headers: Record<string, string>): void {
  // A WebSocket upgrade (101) is not a document a browser renders; its response cannot be rebuilt.
  if (c.res.status === 101) return;
  // Responses the app built carry every header already (set before `next`); one check says so.
  if (c.res.headers.get("x-content-type-options") === headers["x-content-type-options"]) return;
  const missing = Object.entries(headers).filter(([name, value]) => c.res.headers.get(name) !== value);
  if (missing.length === 0) return;
  let res = c.res;
  try {
    for (const [name, value] of missing) res.headers.set(name, value);
  } catch {
    // Responses from fetch() and Durable Objects have immutable headers: copy, then set.
    res = new Response(res.body, res);
    for (const [name, value] of missing) res.headers.set(name, value);
    c.res = res;
  }
}

/** Throws RATE_LIMITED (429 with Retry-After) when the binding refuses `key`. */
export async function enforceRateLimit(limiter: RateLimit | undefined, key: string): Promise<void> {
  // Without a binding (not declared for the environment) there is nothing to ask; wrangler.toml
  // declares both limiters for every environment.
  if (!limiter) return;
  let outcome: RateLimitOutcome;
  try {
    outcome = await limiter.limit({ key });
  } catch {
    // The limiter protects availability; an outage of the limiter itself must not take the API down.
    return;
  }
  if (!outcome.success) {
    throw new ApiError("RATE_LIMITED", "too many requests; retry later", { "retry-after": String(RATE_LIMIT_PERIOD_SECONDS) });
  }
}

function clientIp(c: Context<AppEnv>): string {
  const ip = c.req.header("cf-connecting-ip")?.trim() ?? "";
  return PLAUSIBLE_IP.test(ip) ? ip : "unknown";
}

/** Cloudflare Access's issuer for a team: `myteam.cloudflareaccess.com` or a full origin (local tests). */
export function accessIssuer(teamDomain: string | undefined): string | undefined {
  if (!teamDomain) return undefined;
  const candidate = teamDomain.includes("://") ? teamDomain : `https://${teamDomain}`;
  const url = parseUrl(candidate);
  return url && (url.protocol === "https:" || url.protocol === "http:") ? url.origin : undefined;
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Verifies the request's Access assertion for `audience` (default ACCESS_AUD); returns its claims. */
export async function requireAccessAssertion(c: Context<AppEnv>, audience = c.env.ACCESS_AUD!): Promise<JWTPayload> {
  const issuer = accessIssuer(c.env.ACCESS_TEAM_DOMAIN);
  // ACCESS_AUD without a usable team domain cannot verify anything: refuse rather than let through.
  // (The caller is not authenticated yet: the answer names no setting.)
  if (!issuer) throw new ApiError("INTERNAL", "service misconfigured");
  const assertion = c.req.header(ACCESS_ASSERTION);
  if (!assertion) throw new ApiError("FORBIDDEN", "Cloudflare Access assertion required");
  try {
    return await verifyJwt(assertion, {
      jwksUrl: `${issuer}/cdn-cgi/access/certs`,
      issuer,
      audience,
      algorithms: ["RS256"],
    });
  } catch (error) {
    if (error instanceof TokenInvalid) throw new ApiError("FORBIDDEN", `Cloudflare Access assertion refused: ${error.message}`);
    throw new ApiError("UNAVAILABLE", "Cloudflare Access keys unavailable");
  }
}
