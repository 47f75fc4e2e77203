// A hub user with a real connection to a simulated vendor account, made through the same OAuth flow
// a phone goes through: POST /v1/connections/{vendor} → the simulator's consent page → the hub's
// callback. The callback enqueues the 30-day backfill like any connect does.
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { and, eq } from "drizzle-orm";
import { connections, users } from "../../db/schema";
import type { Vendor } from "../../workers/vendors/types";
import { testDb, testEnv } from "./helpers";
import { bearer, sim } from "./sim";

export const HUB_ORIGIN = "http://hub.test";

export interface ConnectedUser {
  subject: string;
  /** users.id in the hub. */
  userId: string;
  vendor: Vendor;
  /** The vendor's account id as the hub stores it (WHOOP's numeric id as a string). */
  vendorUserId: string;
  connectionId: string;
  /** Fresh bearer headers for the user (valid for an hour). */
  auth: Record<string, string>;
}

export interface ConnectOptions {
  /** Reuse a hub user (default: a new random subject). */
  subject?: string;
  /** Reuse a simulated vendor account (default: a new one, added to the simulator). */
  vendorUserId?: string;
  /** Runs after the simulated account exists and before consent, e.g. to seed its history. */
  beforeConnect?: (vendorUserId: string) => Promise<void>;
}

/** A new account in the vendor's simulator: an Oura id string, or a WHOOP numeric id as a string. */
export async function addSimulatedAccount(vendor: Vendor): Promise<string> {
  if (vendor === "oura") {
    const id = `oura-${crypto.randomUUID()}`;
    await sim.oura.addUser(id);
    return id;
  }
  const id = 100_000_000 + Math.floor(Math.random() * 1_900_000_000);
  await sim.whoop.addUser(id);
  return String(id);
}

/** POST /v1/connections/{vendor} as the user: the vendor consent URL. */
export async function startConnect(vendor: Vendor, auth: Record<string, string>): Promise<string> {
  const res = await SELF.fetch(`${HUB_ORIGIN}/v1/connections/${vendor}`, { method: "POST", headers: auth });
  expect(res.status).toBe(200);
  return ((await res.json()) as { authorize_url: string }).authorize_url;
}

/**
 * Consents at the simulator as `vendorUserId` (or declines with `deny`) and returns where the vendor
 * redirects the browser: the hub's callback URL with `code` and `state`.
 */
export async function consentAt(authorizeUrl: string, vendorUserId: string, options: { deny?: boolean } = {}): Promise<string> {
  const url = new URL(authorizeUrl);
  url.searchParams.set("user", vendorUserId);
  if (options.deny) url.searchParams.set("deny", "1");
  const res = await fetch(url, { redirect: "manual" });
  await res.body?.cancel();
  expect(res.status).toBe(302);
  return res.headers.get("location")!;
}

/** Calls the hub's callback the way the browser would; returns the redirect back to the app. */
export async function followCallback(callbackUrl: string): Promise<{ status: number; location: URL | null }> {
  const res = await SELF.fetch(callbackUrl, { redirect: "manual" });
  await res.body?.cancel();
  const location = res.headers.get("location");
  return { status: res.status, location: location ? new URL(location) : null };
}

/** Runs the whole flow and checks that it ended in `status=connected`. */
export async function connectUser(vendor: Vendor, options: ConnectOptions = {}): Promise<ConnectedUser> {
  const subject = options.subject ?? `athlete-${crypto.randomUUID()}`;
  const auth = await bearer(subject);
  const vendorUserId = options.vendorUserId ?? (await addSimulatedAccount(vendor));
  await options.beforeConnect?.(vendorUserId);
  const callbackUrl = await consentAt(await startConnect(vendor, auth), vendorUserId);
  const back = await followCallback(callbackUrl);
  expect(back.status).toBe(302);
  expect(back.location?.searchParams.get("status")).toBe("connected");
  const { db, close } = testDb();
  try {
    const [row] = await db
      .select({ userId: users.id, connectionId: connections.id })
      .from(connections)
      .innerJoin(users, eq(users.id, connections.userId))
      .where(and(eq(users.subject, subject), eq(connections.vendor, vendor)));
    if (!row) throw new Error(`no ${vendor} connection stored for ${subject}`);
    return { subject, userId: row.userId, vendor, vendorUserId, connectionId: row.connectionId, auth };
  } finally {
    await close();
  }
}

/** The app deep link the callback redirects to (APP_REDIRECT_URL), without its query. */
export function appRedirectBase(): string {
  return testEnv.APP_REDIRECT_URL!;
}
