// Shared helpers for workerd tests: the typed test env, a DB handle on the real Postgres, polling.
import { env } from "cloudflare:test";
import { identityObjectName, readinessObjectName } from "../../durable-objects/client";
import { vi } from "vitest";
import type { Env } from "../../workers/env";
import { openDb, type DbHandle } from "../../workers/lib/db";

export type TestEnv = Env & Record<string, string> & { DATABASE_URL: string };
export const testEnv = env as unknown as TestEnv;

/**
 * The runtime stubs behind durable-objects/client.ts, for cloudflare:test's helpers (runInDurableObject,
 * runDurableObjectAlarm), which take a stub rather than the client's RPC interface.
 */
export const readinessStub = (userId: string) => testEnv.USER_READINESS.get(testEnv.USER_READINESS.idFromName(readinessObjectName(userId)));
export const identityStub = (subject: string) => testEnv.USER_READINESS.get(testEnv.USER_READINESS.idFromName(identityObjectName(subject)));

export function testDb(): DbHandle {
  return openDb(testEnv);
}

export function executionContext(): ExecutionContext {
  return { waitUntil: () => undefined, passThroughOnException: () => undefined, props: {} } as unknown as ExecutionContext;
}

/** Polls `probe` (vi.waitFor, every 100 ms) until it returns a value (not undefined), or fails after `timeoutMs`. */
export function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  return vi.waitFor(async () => {
    const value = await probe();
    if (value === undefined) throw new Error("condition not met in time");
    return value;
  }, { timeout: timeoutMs, interval: 100 });
}
