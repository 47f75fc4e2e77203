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
    failNext: (count: number, status: number, retryAfterSeconds?: number) => call<void>("oura", "failNext", count, status, retryAfterSeconds),
    expireAccessTokens: () => call<void>("oura", "expireAccessTokens"),
    signedWebhook: (body: unknown, options?: { timestampSeconds?: number }) =>
      call<{ headers: Record<string, string>; body: string }>("oura", "signedWebhook", body, options),
    requests: () => state<LoggedRequest[]>("oura", "requests"),
    subscriptions: () => state<Record<string, unknown>[]>("oura", "subscriptions"),
    revokedTokens: () => state<string[]>("oura", "revokedTokens"),
  },
  whoop: {
    addUser: (userId: number) => call<void>("whoop", "addUser", userId),
    putSleep: (userId: number, sleep: Record<string, unknown>) => call<void>("whoop", "putSleep", userId, sleep),
    putRecovery: (userId: number, recovery: Record<string, unknown>) => call<void>("whoop", "putRecovery", userId, recovery),
    deleteSleep: (id: string) => call<boolean>("whoop", "deleteSleep", id),
    failNext: (count: number, status: number, retryAfterSeconds?: number) => call<void>("whoop", "failNext", count, status, retryAfterSeconds),
    expireAccessTokens: () => call<void>("whoop", "expireAccessTokens"),
    signedWebhook: (body: unknown, options?: { timestampMs?: number }) =>
      call<{ headers: Record<string, string>; body: string }>("whoop", "signedWebhook", body, options),
    requests: () => state<LoggedRequest[]>("whoop", "requests"),
    revokedTokens: () => state<string[]>("whoop", "revokedTokens"),
  },
  idp: {
    mint: (options: MintOptions) => call<string>("idp", "mint", options),
    rotateKeys: () => call<void>("idp", "rotateKeys"),
  },
};

/** Authorization headers for a user identified by `sub` (a fresh, valid ES256 token). */
export async function bearer(sub: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await sim.idp.mint({ sub })}` };
}
