// GET /v1/me/readiness answered from the isolate's copy of what the user's Durable Object served
// (workers/api/readiness-edge.ts), and the batched audit rows of cached reads (workers/lib/read-audit.ts).
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { readinessClient, type ReadinessSnapshot } from "../../durable-objects/client";
import type { Env } from "../../workers/env";
import { executionContext, testEnv, waitFor } from "./helpers";
import { auditRows, newUser, steadyNights, utcToday, writeNights, type StoredSnapshot, type TestUser } from "./readiness-fixtures";

/** Reads today's readiness; the hub's request id of the answer goes into `requestIds` when given. */
const read = async (user: TestUser, env: Env, requestIds?: string[]) => {
  const res = await worker.fetch(new Request("http://hub.test/v1/me/readiness", { headers: user.auth }), env, executionContext());
  expect(res.status).toBe(200);
  requestIds?.push(res.headers.get("x-request-id")!);
  return (await res.json()) as StoredSnapshot;
};

/** A user whose object holds today's snapshot (the first read computes and caches it). */
async function userWithCachedSnapshot(): Promise<{ user: TestUser; snapshot: StoredSnapshot }> {
  const user = await newUser();
  await writeNights(user.id, steadyNights(utcToday(), 30));
  const snapshot = await read(user, testEnv);
  await waitFor(async () => (await readinessClient(testEnv, user.id).getSnapshot(snapshot.date)) ?? undefined);
  return { user, snapshot };
}

/** The object's snapshot replaced by a newer one with another score, as a recompute would. */
async function recomputedInObject(user: TestUser, snapshot: StoredSnapshot): Promise<StoredSnapshot> {
  const newer = { ...snapshot, score: snapshot.score === 10 ? 11 : 10, computed_at: new Date(Date.now() + 1_000).toISOString() };
  await readinessClient(testEnv, user.id).cacheSnapshots([newer as unknown as ReadinessSnapshot]);
  return newer;
}

describe("the isolate's copy of served snapshots", () => {
  const longCopies = { ...testEnv, READINESS_EDGE_CACHE_MS: "10000" } as Env;
  const noCopies = { ...testEnv, READINESS_EDGE_CACHE_MS: "0" } as Env;

  it("answers repeated reads of a date from the copy until it expires; 0 turns copies off", async () => {
    const { user, snapshot } = await userWithCachedSnapshot();
    expect(await read(user, longCopies)).toEqual(snapshot); // served by the object, copied for 10 s
    const newer = await recomputedInObject(user, snapshot);

    expect(await read(user, longCopies)).toEqual(snapshot); // the copy, within its lifetime
    expect(await read(user, noCopies)).toEqual(newer); // straight from the object
  });

  it("shows a recomputed snapshot within the default lifetime of a second", async () => {
    const { user, snapshot } = await userWithCachedSnapshot();
    await read(user, testEnv); // copied for READINESS_EDGE_CACHE_MS (default 1000)
    const newer = await recomputedInObject(user, snapshot);
    const seen = await waitFor(async () => {
      const current = await read(user, testEnv);
      return current.score === newer.score ? current : undefined;
    }, 3_000);
    expect(seen).toEqual(newer);
  });

  it("audits every read answered from a copy or the object's cache, one row per request", async () => {
    const { user } = await userWithCachedSnapshot();
    const requestIds: string[] = [];
    for (let i = 0; i < 5; i++) await read(user, testEnv, requestIds);
    expect(new Set(requestIds).size).toBe(5);

    const rows = await waitFor(async () => {
      const found = (await auditRows(user.auditRef)).filter((r) => requestIds.includes(r.request_id ?? ""));
      return found.length >= requestIds.length ? found : undefined;
    });
    expect(rows.map((r) => r.request_id).sort()).toEqual([...requestIds].sort());
    for (const row of rows) expect(row).toMatchObject({ action: "read", resource: "readiness_snapshots", actor_ref: user.auditRef });
  });
});
