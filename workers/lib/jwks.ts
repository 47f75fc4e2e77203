// JWT verification against a remote JWKS with pinned algorithms. The key set is cached as plain data
// per isolate (never a pending fetch: workerd forbids awaiting one request's I/O from another), and a
// token whose `kid` is unknown triggers one refetch. Those refetches are spaced by REFETCH_COOLDOWN_MS
// per key set URL, counted from the previous unknown-kid refetch (not from the routine fetch), so a
// rotation at the identity provider is picked up at once while a flood of made-up `kid`s costs at most
// one fetch per cooldown.
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";

export const ALLOWED_ALGORITHMS = ["RS256", "ES256"];
const CACHE_TTL_MS = 10 * 60_000;
const REFETCH_COOLDOWN_MS = 30_000;
const CLOCK_SKEW_SECONDS = 60;

interface CachedKeys {
  keys: JSONWebKeySet;
  fetchedAt: number;
}
const keyCache = new Map<string, CachedKeys>();
const lastUnknownKidRefetch = new Map<string, number>();

async function fetchKeys(jwksUrl: string): Promise<CachedKeys> {
  const response = await fetch(jwksUrl, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`JWKS fetch failed with ${response.status}`);
  const body = (await response.json()) as JSONWebKeySet;
  if (!body || !Array.isArray(body.keys)) throw new Error("JWKS document has no keys");
  const entry = { keys: body, fetchedAt: Date.now() };
  keyCache.set(jwksUrl, entry);
  return entry;
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
  let cached = keyCache.get(opts.jwksUrl);
  const stale = !cached || Date.now() - cached.fetchedAt > CACHE_TTL_MS;
  if (stale) cached = await fetchKeys(opts.jwksUrl);
  const verify = (keys: JSONWebKeySet) =>
    jwtVerify(token, createLocalJWKSet(keys), {
      algorithms: (opts.algorithms ?? ALLOWED_ALGORITHMS).filter((alg) => ALLOWED_ALGORITHMS.includes(alg)),
      issuer: opts.issuer,
      audience: opts.audience,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["exp", ...(opts.requiredClaims ?? [])],
    });
  try {
    return (await verify(cached!.keys)).payload;
  } catch (error) {
    // A key set fetched for this very call is as new as a refetch would be.
    if (error instanceof errors.JWKSNoMatchingKey && !stale && unknownKidRefetchAllowed(opts.jwksUrl)) {
      lastUnknownKidRefetch.set(opts.jwksUrl, Date.now());
      try {
        return (await verify((await fetchKeys(opts.jwksUrl)).keys)).payload;
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
}
