// Test-side handle on the simulators (Oura, WHOOP, identity provider) running in the Node process
// that started the suite, reached through their loopback control channel.
import { testEnv } from "./helpers";

type Target = "oura" | "whoop" | "idp" | "oura-network" | "whoop-network" | "posthog" | "isolated-postgres-link";

async function call<T>(target: Target, method: string, ...args: unknown[]): Promise<T> {
  const res = await fetch(`${testEnv.SIM_CONTROL_URL}/call`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ target, method, args }),
  });
  if (!res.ok) throw new Error(`simulator ${target}.${method} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { result: T }).result;
}

async function state<T>(target: Target, name: string): Promise<T> {
  const res = await fetch(`${testEnv.SIM_CONTROL_URL}/state/${target}/${name}`);
  if (!res.ok) throw new Error(`simulator state ${target}.${name} failed: ${res.status}`);
  return ((await res.json()) as { result: T }).result;
}

/** What the PostHog stand-in recorded (scripts/sim/posthog.ts). */
export interface CapturedEvent {
  event: string;
  distinct_id: string;
  properties: Record<string, unknown>;
}

export interface PersonDeletion {
  project_id: string;
  distinct_ids: string[];
  delete_events: boolean;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  traceparent?: string;
}

export interface MintOptions {
  sub: string;
  aud?: string | string[];
  iss?: string;
  expSeconds?: number;
  nbf?: number;
  alg?: "ES256" | "RS256";
  kid?: string;
  extra?: Record<string, unknown>;
}

/** Rules of the vendors' latency and fault layer (scripts/sim/faults.ts); `path` is a regular expression. */
interface Span {
  path?: string;
  count?: number;
  seconds?: number;
}

/** A vendor simulator's latency, 5xx/429 bursts and slow bodies, set from inside workerd. */
function network(target: "oura-network" | "whoop-network") {
  return {
    setLatency: (rule: { minMs: number; maxMs?: number; path?: string } | null) => call<void>(target, "setLatency", rule),
    failures: (burst: Span & { status: 500 | 502 | 503 | 504 }) => call<void>(target, "failures", burst),
    rateLimit: (burst: Span & { resetSeconds: number }) => call<void>(target, "rateLimit", burst),
    slowBodies: (rule: Span & { durationMs: number; chunks?: number }) => call<void>(target, "slowBodies", rule),
    clear: () => call<void>(target, "clear"),
    stats: () => call<{ requests: number; delayed: number; failed: Record<string, number>; slowed: number }>(target, "stats"),
  };
}

export const sim = {
  oura: {
    addUser: (vendorUserId: string) => call<void>("oura", "addUser", vendorUserId),
    putSleep: (vendorUserId: string, doc: Record<string, unknown>) => call<void>("oura", "putSleep", vendorUserId, doc),
    deleteSleep: (id: string) => call<boolean>("oura", "deleteSleep", id),
    putDocument: (dataType: "daily_sleep" | "workout", vendorUserId: string, doc: Record<string, unknown>) =>
      call<void>("oura", "putDocument", dataType, vendorUserId, doc),
    deleteDocument: (dataType: "daily_sleep" | "workout", id: string) => call<boolean>("oura", "deleteDocument", dataType, id),
    /** The next `count` API calls of `vendorUserId` answer `status` (with Retry-After when given). */
    failNext: (count: number, status: number, retryAfterSeconds: number | undefined, vendorUserId: string) =>
      call<void>("oura", "failNext", count, status, retryAfterSeconds, vendorUserId),
    expireAccessTokens: (vendorUserId: string) => call<void>("oura", "expireAccessTokens", vendorUserId),
    setMembershipActive: (vendorUserId: string, active: boolean) => call<void>("oura", "setMembershipActive", vendorUserId, active),
    signedWebhook: (body: unknown, options?: { timestampSeconds?: number }) =>
      call<{ headers: Record<string, string>; body: string }>("oura", "signedWebhook", body, options),
    requests: () => state<LoggedRequest[]>("oura", "requests"),
    /** Tokens of a fresh grant for the account, obtained through the simulator's own OAuth endpoints. */
    issueTokens: (vendorUserId: string) =>
      grantTokens(testEnv.OURA_AUTHORIZE_URL!, testEnv.OURA_TOKEN_URL!, testEnv.OURA_CLIENT_ID!, testEnv.OURA_CLIENT_SECRET!, vendorUserId),
    subscriptions: () => state<Record<string, unknown>[]>("oura", "subscriptions"),
    revokedTokens: () => state<string[]>("oura", "revokedTokens"),
    network: network("oura-network"),
  },
  whoop: {
    addUser: (userId: number) => call<void>("whoop", "addUser", userId),
    putSleep: (userId: number, sleep: Record<string, unknown>) => call<void>("whoop", "putSleep", userId, sleep),
    putRecovery: (userId: number, recovery: Record<string, unknown>) => call<void>("whoop", "putRecovery", userId, recovery),
    deleteSleep: (id: string) => call<boolean>("whoop", "deleteSleep", id),
    putCycle: (userId: number, cycle: Record<string, unknown>) => call<void>("whoop", "putCycle", userId, cycle),
    deleteCycle: (id: number) => call<boolean>("whoop", "deleteCycle", id),
    putWorkout: (userId: number, workout: Record<string, unknown>) => call<void>("whoop", "putWorkout", userId, workout),
    deleteWorkout: (id: string) => call<boolean>("whoop", "deleteWorkout", id),
    failNext: (count: number, status: number, retryAfterSeconds: number | undefined, userId: number) =>
      call<void>("whoop", "failNext", count, status, retryAfterSeconds, userId),
    expireAccessTokens: (userId: number) => call<void>("whoop", "expireAccessTokens", userId),
    signedWebhook: (body: unknown, options?: { timestampMs?: number }) =>
      call<{ headers: Record<string, string>; body: string }>("whoop", "signedWebhook", body, options),
    requests: () => state<LoggedRequest[]>("whoop", "requests"),
    revokedTokens: () => state<string[]>("whoop", "revokedTokens"),
    issueTokens: (userId: number) =>
      grantTokens(testEnv.WHOOP_AUTHORIZE_URL!, testEnv.WHOOP_TOKEN_URL!, testEnv.WHOOP_CLIENT_ID!, testEnv.WHOOP_CLIENT_SECRET!, String(userId)),
    network: network("whoop-network"),
  },
  idp: {
    mint: (options: MintOptions) => call<string>("idp", "mint", options),
    rotateKeys: () => call<void>("idp", "rotateKeys"),
    /** JWKS requests carrying `?probe=<probe>` answer `status` and/or wait `delayMs`; null restores them. */
    setJwksBehaviour: (probe: string, behaviour: { status?: number; delayMs?: number } | null) =>
      call<void>("idp", "setJwksBehaviour", probe, behaviour),
    requests: () => state<LoggedRequest[]>("idp", "requests"),
  },
  /** The PostHog capture stand-in (scripts/sim/posthog.ts). */
  posthog: {
    events: () => state<CapturedEvent[]>("posthog", "events"),
    deletions: () => state<PersonDeletion[]>("posthog", "deletions"),
  },
};

export interface VendorTokens {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
}

/** The authorization-code grant against a vendor simulator, consent included (its `user` parameter). */
async function grantTokens(authorizeUrl: string, tokenUrl: string, clientId: string, clientSecret: string, account: string): Promise<VendorTokens> {
  const redirectUri = "http://hub.test/oauth/callback";
  const consent = new URL(authorizeUrl);
  for (const [name, value] of Object.entries({
    client_id: clientId, redirect_uri: redirectUri, response_type: "code", state: crypto.randomUUID(), user: account,
    scope: "offline read:recovery read:cycles read:sleep read:profile personal daily",
  })) consent.searchParams.set(name, value);
  const redirect = await fetch(consent, { redirect: "manual" });
  const code = new URL(redirect.headers.get("location") ?? "http://invalid/").searchParams.get("code");
  if (!code) throw new Error(`simulator consent for ${account} failed: ${redirect.status}`);
  const res = await fetch(tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri, client_id: clientId, client_secret: clientSecret }),
  });
  if (!res.ok) throw new Error(`simulator token exchange failed: ${res.status}`);
  return (await res.json()) as VendorTokens;
}

/** Authorization headers for a user identified by `sub` (a fresh, valid ES256 token). */
export async function bearer(sub: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await sim.idp.mint({ sub })}` };
}

export type PostgresLinkAction = "set" | "outage" | "restore" | "refuse" | "dropLive" | "clear" | "stats";

/**
 * The isolated database path's fault link (scripts/lib/faults.ts): a Worker given `isolatedDatabaseEnv`
 * reaches Postgres through it, so a test can slow it down or take it away without touching the rest
 * of the suite.
 */
export async function isolatedPostgres(action: PostgresLinkAction, args: { latencyMs?: [number, number]; seconds?: number; on?: boolean } = {}) {
  const positional = action === "set" ? [{ latencyMs: args.latencyMs }] : action === "outage" ? [args.seconds ?? 0] : action === "refuse" ? [Boolean(args.on)] : [];
  return call<{ opened: number; refused: number; dropped: number }>("isolated-postgres-link", action, ...positional);
}

/**
 * The test env with the database reached through the isolated fault link: the same server under
 * another host name, which is how the driver (global to the isolate) tells the two paths apart.
 */
export function isolatedDatabaseEnv<E extends object>(env: E): E {
  const vars = env as unknown as Record<string, string>;
  const url = new URL(vars.DATABASE_URL!);
  url.hostname = "localhost";
  return { ...env, DATABASE_URL: url.toString(), DB_WS_PROXY: vars.ISOLATED_DB_WS_PROXY, DB_HTTP_PROXY: vars.ISOLATED_DB_HTTP_PROXY };
}
