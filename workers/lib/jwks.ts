// JWT verification against a remote JWKS with pinned algorithms. The key set is cached per isolate
// and fetched at most once at a time per URL: concurrent requests with a cold or expired cache share
// one fetch. A refresh that fails keeps the last good key set in service (up to MAX_STALE_MS), and a
// failure is remembered for FAILURE_TTL_MS, so an identity provider that is down or slow is asked
// once per few seconds, not once per token. A token whose `kid` is unknown triggers one refetch;
// those are spaced by REFETCH_COOLDOWN_MS per key set URL, counted from the previous unknown-kid
// refetch, so a rotation is picked up at once while a flood of made-up `kid`s costs at most one fetch
// per cooldown.
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";

export const ALLOWED_ALGORITHMS = ["RS256", "ES256"];
const CACHE_TTL_MS = 10 * 60_000;
const MAX_STALE_MS = 24 * 3_600_000;
const FAILURE_TTL_MS = 5_000;
const FETCH_TIMEOUT_MS = 5_000;
const REFETCH_COOLDOWN_MS = 30_000;
const CLOCK_SKEW_SECONDS = 60;

interface CachedKeys {
  keys: JSONWebKeySet;
  fetchedAt: number;
}
const keyCache = new Map<string, CachedKeys>();
const lastUnknownKidRefetch = new Map<string, number>();
/** The fetch in progress per URL, shared by every request of the isolate that needs it meanwhile. */
const inFlight = new Map<string, Promise<CachedKeys>>();
const lastFailure = new Map<string, number>();

/** The key set could not be fetched (and no usable earlier one is held). */
export class KeysUnavailable extends Error {
  override name = "KeysUnavailable";
}

async function fetchKeys(jwksUrl: string): Promise<CachedKeys> {
  const response = await fetch(jwksUrl, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new KeysUnavailable(`JWKS fetch failed with ${response.status}`);
  }
  const body = (await response.json()) as JSONWebKeySet;
  if (!body || !Array.isArray(body.keys)) throw new KeysUnavailable("JWKS document has no keys");
  const entry = { keys: body, fetchedAt: Date.now() };
  keyCache.set(jwksUrl, entry);
  lastFailure.delete(jwksUrl);
  return entry;
}

/**
 * One fetch per URL at a time. A request that joins another request's fetch waits a bounded time:
 * should the request that started it be cancelled, the runtime cancels continuations of its promise
 * in other requests, and the joiner then fetches for itself.
 */
async function sharedFetch(jwksUrl: string): Promise<CachedKeys> {
  const running = inFlight.get(jwksUrl);
  if (!running) {
    const started = fetchKeys(jwksUrl).finally(() => inFlight.delete(jwksUrl));
    inFlight.set(jwksUrl, started);
    return started;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gaveUp = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), FETCH_TIMEOUT_MS + 1_000)));
  try {
    return (await Promise.race([running, gaveUp])) ?? (await fetchKeys(jwksUrl));
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * The key set to verify with: the cached one while fresh, else a (shared) fetch. When the fetch
 * fails, or failed within FAILURE_TTL_MS, the last good key set serves on if it is not too old.
 */
async function currentKeys(jwksUrl: string, now = Date.now()): Promise<{ keys: CachedKeys; fetchedNow: boolean }> {
  const cached = keyCache.get(jwksUrl);
  if (cached && now - cached.fetchedAt <= CACHE_TTL_MS) return { keys: cached, fetchedNow: false };
  const usable = cached && now - cached.fetchedAt <= MAX_STALE_MS ? cached : undefined;
  const failedAt = lastFailure.get(jwksUrl);
  if (failedAt !== undefined && now - failedAt < FAILURE_TTL_MS) {
    if (usable) return { keys: usable, fetchedNow: false };
    throw new KeysUnavailable("JWKS fetch failed moments ago");
  }
  try {
    return { keys: await sharedFetch(jwksUrl), fetchedNow: true };
  } catch (error) {
    lastFailure.set(jwksUrl, Date.now());
    if (usable) return { keys: usable, fetchedNow: false };
    throw error;
  }
}

export interface VerifyOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  requiredClaims?: string[];
  /** Narrows ALLOWED_ALGORITHMS (e.g. Cloudflare Access signs with RS256 only). */
  algorithms?: string[];
}

export class TokenInvalid extends Error {
  override name = "TokenInvalid";
}

/** Verifies signature, algorithm, iss, aud, exp and nbf; throws TokenInvalid with a client-safe reason. */
// Tokens already verified in this isolate, by their exact text and the options they passed. A hit
// skips only the signature check of identical bytes: expiry and not-before are checked on every use,
// an entry lives at most VERIFIED_TTL_MS, and it is honoured only while its signing key is still in
// the cached key set (a rotation that drops a key refuses its tokens at once).
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 5_000;
const verified = new Map<string, { payload: JWTPayload; until: number; kid: string | undefined }>();

function keyStillPublished(jwksUrl: string, kid: string | undefined): boolean {
  return keyCache.get(jwksUrl)?.keys.keys.some((key) => key.kid === kid) ?? false;
}

function stillValid(payload: JWTPayload, nowSeconds: number): boolean {
  return (payload.exp === undefined || nowSeconds <= payload.exp + CLOCK_SKEW_SECONDS)
    && (payload.nbf === undefined || nowSeconds >= payload.nbf - CLOCK_SKEW_SECONDS);
}

export async function verifyJwt(token: string, opts: VerifyOptions): Promise<JWTPayload> {
  const cacheKey = `${opts.jwksUrl} ${opts.issuer} ${opts.audience} ${(opts.algorithms ?? ALLOWED_ALGORITHMS).join(",")} ${(opts.requiredClaims ?? []).join(",")} ${token}`;
  const hit = verified.get(cacheKey);
  if (hit && hit.until > Date.now() && stillValid(hit.payload, Date.now() / 1000) && keyStillPublished(opts.jwksUrl, hit.kid)) {
    return hit.payload;
  }
  if (hit) verified.delete(cacheKey);
  const payload = await verifyJwtUncached(token, opts);
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
  verified.set(cacheKey, { payload, until: Date.now() + VERIFIED_TTL_MS, kid: decodeProtectedHeader(token).kid });
  return payload;
}

async function verifyJwtUncached(token: string, opts: VerifyOptions): Promise<JWTPayload> {
  const { keys: cached, fetchedNow } = await currentKeys(opts.jwksUrl);
  const verify = (keys: JSONWebKeySet) =>
    jwtVerify(token, createLocalJWKSet(keys), {
      algorithms: (opts.algorithms ?? ALLOWED_ALGORITHMS).filter((alg) => ALLOWED_ALGORITHMS.includes(alg)),
      issuer: opts.issuer,
      audience: opts.audience,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["exp", ...(opts.requiredClaims ?? [])],
    });
  try {
    return (await verify(cached.keys)).payload;
  } catch (error) {
    // A key set fetched for this very call is as new as a refetch would be.
    if (error instanceof errors.JWKSNoMatchingKey && !fetchedNow && unknownKidRefetchAllowed(opts.jwksUrl)) {
      lastUnknownKidRefetch.set(opts.jwksUrl, Date.now());
      try {
        return (await verify((await sharedFetch(opts.jwksUrl)).keys)).payload;
      } catch (retryError) {
        throw toTokenInvalid(retryError);
      }
    }
    throw toTokenInvalid(error);
  }
}

function unknownKidRefetchAllowed(jwksUrl: string): boolean {
  const last = lastUnknownKidRefetch.get(jwksUrl);
  return last === undefined || Date.now() - last > REFETCH_COOLDOWN_MS;
}

function toTokenInvalid(error: unknown): TokenInvalid {
  if (error instanceof errors.JWTExpired) return new TokenInvalid("token expired");
  if (error instanceof errors.JWTClaimValidationFailed) return new TokenInvalid(`token claim ${error.claim} invalid`);
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenInvalid("token algorithm not allowed");
  if (error instanceof errors.JWKSNoMatchingKey) return new TokenInvalid("token signed by an unknown key");
  if (error instanceof errors.JOSEError) return new TokenInvalid("token invalid");
  if (error instanceof TokenInvalid) return error;
  return new TokenInvalid("token could not be verified");
}

/** Test hook: forget cached key sets (e.g. after the identity provider rotated keys). */
export function clearJwksCache(): void {
  keyCache.clear();
  verified.clear();
  lastUnknownKidRefetch.clear();
  lastFailure.clear();
}

/** Test hook: make every cached key set due for refresh, as if its ten minutes had passed. */
export function expireJwksCache(): void {
  for (const entry of keyCache.values()) entry.fetchedAt = Date.now() - CACHE_TTL_MS - 1;
  verified.clear();
}
