// The isolate's cache of verified users (workers/lib/users.ts): a user in steady use is refreshed in
// the background, so no request waits for Postgres because an entry aged out.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "../../workers/lib/db";
import { createLogger } from "../../workers/lib/logger";
import { identifyUser, VERIFIED_USER_TTL_MS, type IdentifyOptions } from "../../workers/lib/users";
import { testDb } from "./helpers";

/** Handles of every counter made by a test; afterEach closes them. */
const opened: DbHandle[] = [];

/** Counts the connections each path opens, over the real test Postgres. */
function counted() {
  const background: Promise<unknown>[] = [];
  const counts = { inRequest: 0, inBackground: 0 };
  const open = () => {
    const handle = testDb();
    opened.push(handle);
    return handle;
  };
  const options: IdentifyOptions = {
    memory: { remember: async () => undefined, recall: async () => null },
    waitUntil: (work) => void background.push(work),
    openDatabase: () => {
      counts.inBackground += 1;
      return open();
    },
    log: createLogger({ component: "test" }),
  };
  const database = () => {
    counts.inRequest += 1;
    return open().db;
  };
  return {
    counts,
    identify: (subject: string) => identifyUser(database, subject, options),
    settle: () => Promise.all(background.splice(0)),
  };
}

describe("verified users cached in the isolate", () => {
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(opened.splice(0).map((handle) => handle.close()));
  });

  it("serves a user near the end of its lifetime at once and refreshes it once in the background", async () => {
    const subject = `cache-${crypto.randomUUID()}`;
    const t = counted();
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const user = await t.identify(subject);
    expect(t.counts).toEqual({ inRequest: 1, inBackground: 0 });

    // Past the entry's refresh age (15 s), within its lifetime (30 s).
    vi.setSystemTime(start + VERIFIED_USER_TTL_MS - 5_000);
    // Several requests at that age: all answered from the cache, one refresh between them.
    const during = await Promise.all([t.identify(subject), t.identify(subject), t.identify(subject)]);
    expect(during).toEqual([user, user, user]);
    await t.settle();
    expect(t.counts).toEqual({ inRequest: 1, inBackground: 1 });

    // The refresh restarted the lifetime: past the first entry's expiry, still no request waits.
    vi.setSystemTime(start + VERIFIED_USER_TTL_MS + 5_000);
    expect(await t.identify(subject)).toEqual(user);
    expect(t.counts).toEqual({ inRequest: 1, inBackground: 1 });
  });

  it("refreshes every user due at once over one connection (after a quiet spell)", async () => {
    const subjects = Array.from({ length: 5 }, () => `cache-${crypto.randomUUID()}`);
    const t = counted();
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const users = [];
    for (const subject of subjects) users.push(await t.identify(subject));
    vi.setSystemTime(start + VERIFIED_USER_TTL_MS - 5_000);
    expect(await Promise.all(subjects.map((subject) => t.identify(subject)))).toEqual(users);
    await t.settle();
    expect(t.counts).toEqual({ inRequest: 5, inBackground: 1 });
    // Refreshed: past the first entries' lifetime, still answered without Postgres.
    vi.setSystemTime(start + VERIFIED_USER_TTL_MS + 5_000);
    expect(await Promise.all(subjects.map((subject) => t.identify(subject)))).toEqual(users);
    expect(t.counts.inRequest).toBe(5);
  });

  it("provisions a new subject once when several of its requests arrive together", async () => {
    const subject = `cache-${crypto.randomUUID()}`;
    const t = counted();
    const users = await Promise.all(Array.from({ length: 5 }, () => t.identify(subject)));
    expect(new Set(users.map((u) => u.id)).size).toBe(1);
    expect(t.counts).toEqual({ inRequest: 1, inBackground: 0 });
  });

  it("provisions again in the request once an entry outlived its lifetime without use", async () => {
    const subject = `cache-${crypto.randomUUID()}`;
    const t = counted();
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const user = await t.identify(subject);
    vi.setSystemTime(start + VERIFIED_USER_TTL_MS + 1);
    expect(await t.identify(subject)).toEqual(user);
    expect(t.counts).toEqual({ inRequest: 2, inBackground: 0 });
  });
});
