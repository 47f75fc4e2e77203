// Test-side handle on the simulators (Oura, WHOOP, identity provider) running in the Node process
// that started the suite, reached through their loopback control channel.
import { testEnv } from "./helpers";

type Target = "oura" | "whoop" | "idp";

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

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
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

export const sim = {
  oura: {
    addUser: (vendorUserId: string) => call<void>("oura", "addUser", vendorUserId),
    putSleep: (vendorUserId: string, doc: Record<string, unknown>) => call<void>("oura", "putSleep", vendorUserId, doc),
    deleteSleep: (id: string) => call<boolean>("oura", "deleteSleep", id),
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
  },
  whoop: {
    addUser: (userId: number) => call<void>("whoop", "addUser", userId),
    putSleep: (userId: number, sleep: Record<string, unknown>) => call<void>("whoop", "putSleep", userId, sleep),
    putRecovery: (userId: number, recovery: Record<string, unknown>) => call<void>("whoop", "putRecovery", userId, recovery),
    deleteSleep: (id: string) => call<boolean>("whoop", "deleteSleep", id),
    failNext: (count: number, status: number, retryAfterSeconds: number | undefined, userId: number) =>
      call<void>("whoop", "failNext", count, status, retryAfterSeconds, userId),
    expireAccessTokens: (userId: number) => call<void>("whoop", "expireAccessTokens", userId),
    signedWebhook: (body: unknown, options?: { timestampMs?: number }) =>
      call<{ headers: Record<string, string>; body: string }>("whoop", "signedWebhook", body, options),
    requests: () => state<LoggedRequest[]>("whoop", "requests"),
    revokedTokens: () => state<string[]>("whoop", "revokedTokens"),
    issueTokens: (userId: number) =>
      grantTokens(testEnv.WHOOP_AUTHORIZE_URL!, testEnv.WHOOP_TOKEN_URL!, testEnv.WHOOP_CLIENT_ID!, testEnv.WHOOP_CLIENT_SECRET!, String(userId)),
  },
  idp: {
    mint: (options: MintOptions) => call<string>("idp", "mint", options),
    rotateKeys: () => call<void>("idp", "rotateKeys"),
    requests: () => state<LoggedRequest[]>("idp", "requests"),
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
