// Vendor API calls: bearer GET, JSON validated with zod, failures sorted into what the caller does next.
import type { z } from "zod";
import type { Vendor, VendorApi } from "./types";

/**
 * - `retryable`: 429, 5xx, network failure or timeout: try again later (`retryAfterSeconds` when the
 *   vendor said how long to wait).
 * - `auth`: 401/403: the token is revoked or a scope is missing; the user must reconnect.
 * - `membership_lapsed`: Oura's 403 on a data endpoint: the user's Oura membership has lapsed (Gen3
 *   and Ring 4 data is served only to members). Reconnecting cannot help; data returns on renewal.
 * - `not_found`: 404: the object no longer exists (or is not scored yet for WHOOP recoveries).
 * - `permanent`: any other 4xx, or a document that does not match its schema: retrying won't help.
 */
export type VendorErrorKind = "retryable" | "auth" | "membership_lapsed" | "not_found" | "permanent";

/** Messages name the vendor, the resource and the status only: never tokens or biometric values. */
export class VendorError extends Error {
  override readonly name = "VendorError";
  constructor(
    readonly kind: VendorErrorKind,
    message: string,
    readonly vendor: Vendor,
    readonly status: number | null = null,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

/**
 * The hub's own app-wide budget for a vendor is spent (workers/normalize/call-budget.ts): nothing was
 * sent; the work waits `waitSeconds` in the queue without counting as a failed attempt.
 */
export class CallBudgetSpent extends Error {
  override readonly name = "CallBudgetSpent";
  constructor(readonly vendor: Vendor, readonly waitSeconds: number) {
    super(`${vendor} call budget spent: wait ${waitSeconds} s`);
  }
}

export const VENDOR_REQUEST_TIMEOUT_MS = 10_000;

/** WHOOP's X-RateLimit-Reset: seconds until the window that refused the call starts over. */
export function rateLimitResetSeconds(headers: Headers): number | null {
  const text = headers.get("x-ratelimit-reset")?.trim();
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}

/** Retry-After is either delta-seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  // Date.parse reads almost anything ("-5" is a year), so demand the month name every HTTP-date has.
  if (!/\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/.test(text)) return null;
  const atMs = Date.parse(text);
  if (Number.isNaN(atMs)) return null;
  return Math.max(0, Math.ceil((atMs - nowMs) / 1000));
}

export function classifyStatus(
  vendor: Vendor,
  resource: string,
  response: Response,
  nowMs: number,
): VendorError {
  const { status } = response;
  const message = `${vendor} ${resource}: HTTP ${status}`;
  if (status === 429 || status >= 500) {
    // WHOOP states the wait in X-RateLimit-Reset rather than Retry-After.
    const retryAfter = parseRetryAfter(response.headers.get("retry-after"), nowMs) ?? rateLimitResetSeconds(response.headers);
    return new VendorError("retryable", message, vendor, status, retryAfter);
  }
  if (status === 401 || status === 403) return new VendorError("auth", message, vendor, status);
  if (status === 404) return new VendorError("not_found", message, vendor, status);
  return new VendorError("permanent", message, vendor, status);
}

export function joinUrl(baseUrl: string, path: string, query?: Record<string, string | undefined>): string {
  // Plain concatenation keeps a base path such as WHOOP's `/developer`, which `new URL` would drop.
  const url = new URL(baseUrl.replace(/\/+$/, "") + path);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url.toString();
}

export interface VendorGet<S extends z.ZodType> {
  vendor: Vendor;
  /** Short label for messages, e.g. "sleep document"; never ids of people or values. */
  resource: string;
  /** Below the API base, e.g. `/v2/usercollection/sleep/{id}`. */
  path: string;
  query?: Record<string, string | undefined>;
  schema: S;
  /** What a 403 means: a revoked grant or a missing scope (the default), or Oura's lapsed membership. */
  forbidden?: "auth" | "membership_lapsed";
}

export async function vendorGetJson<S extends z.ZodType>(api: VendorApi, request: VendorGet<S>): Promise<z.output<S>> {
  const { vendor, resource } = request;
  // Called unbound: workerd's own fetch refuses to run as a method of another object (api.fetchImpl()).
  const { fetchImpl } = api;
  let response: Response;
  try {
    response = await fetchImpl(joinUrl(api.baseUrl, request.path, request.query), {
      method: "GET",
      headers: { authorization: `Bearer ${api.accessToken}`, accept: "application/json" },
      signal: AbortSignal.timeout(VENDOR_REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    if (error instanceof CallBudgetSpent) throw error;
    // The underlying error can echo request details; the kind is all the caller needs.
    throw new VendorError("retryable", `${vendor} ${resource}: network error or timeout`, vendor);
  }
  if (!response.ok) {
    await response.body?.cancel();
    if (request.forbidden === "membership_lapsed" && response.status === 403) {
      throw new VendorError("membership_lapsed", `${vendor} ${resource}: HTTP 403 (membership lapsed)`, vendor, 403);
    }
    throw classifyStatus(vendor, resource, response, Date.now());
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new VendorError("permanent", `${vendor} ${resource}: body is not JSON`, vendor, response.status);
  }
  const parsed = request.schema.safeParse(json);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((issue) => issue.path.join(".") || "(root)");
    const where = [...new Set(paths)].slice(0, 5).join(", ");
    throw new VendorError("permanent", `${vendor} ${resource}: invalid document at ${where}`, vendor, response.status);
  }
  return parsed.data;
}

/** Pages through a `next_token` collection; a repeated token means the vendor is looping. */
export async function collectPages<T>(
  vendor: Vendor,
  resource: string,
  fetchPage: (nextToken: string | undefined) => Promise<{ items: T[]; nextToken: string | null | undefined }>,
  maxPages = 500,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const result = await fetchPage(token);
    items.push(...result.items);
    if (!result.nextToken) return items;
    if (seen.has(result.nextToken)) break;
    seen.add(result.nextToken);
    token = result.nextToken;
  }
  throw new VendorError("permanent", `${vendor} ${resource}: pagination did not end`, vendor);
}
