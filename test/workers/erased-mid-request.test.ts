// A write for a user whose account was erased while the request ran (docs/security.md, known limits):
// the isolate still knows the user (lib/users.ts caches verified users), the users row is gone, and
// the write fails on its foreign key. The answer is 409 CONFLICT in the error envelope, not a 500.
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { executionContext, testDb, testEnv } from "./helpers";
import { bearer } from "./sim";

/** A user known to this isolate (one request made), whose users row is then deleted behind its back. */
async function erasedBehindTheIsolate(): Promise<Record<string, string>> {
  const subject = `erased-mid-request-${crypto.randomUUID()}`;
  const auth = await bearer(subject);
  const me = await hub("GET", "/v1/me", auth);
  expect(me.status).toBe(200);
  const { pool, close } = testDb();
  try {
    await pool.query("DELETE FROM users WHERE subject = $1", [subject]);
  } finally {
    await close();
  }
  return auth;
}

/** Through the Worker's own fetch in this isolate, so the request meets the isolate's cached user. */
async function hub(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
  const init = {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
  return worker.fetch(new Request(`http://hub.test${path}`, init), testEnv, executionContext());
}

async function expectConflict(res: Response): Promise<void> {
  expect(res.status).toBe(409);
  const body = (await res.json()) as { error: { code: string; message: string; request_id: string } };
  expect(body.error).toEqual({ code: "CONFLICT", message: "the account no longer exists", request_id: expect.any(String) });
  expect(body.error.request_id).not.toBe("");
}

describe("a write of a user erased mid-request", () => {
  it("answers 409 CONFLICT over a single statement (starting a vendor connection)", async () => {
    const auth = await erasedBehindTheIsolate();
    await expectConflict(await hub("POST", "/v1/connections/oura", auth));
  });

  it("answers 409 CONFLICT inside a transaction (a phone upload), and stores nothing", async () => {
    const auth = await erasedBehindTheIsolate();
    const end = new Date(Date.now() - 3_600_000).toISOString();
    const uuid = crypto.randomUUID();
    const res = await hub("POST", "/v1/me/samples", auth, {
      source: "apple_health",
      samples: [{ uuid, type: "resting_hr", start: end, end, value: 52, unit: "count/min" }],
    });
    await expectConflict(res);
    const { pool, close } = testDb();
    try {
      const { rows } = await pool.query("SELECT count(*)::int AS n FROM phone_samples WHERE uuid = $1", [uuid]);
      expect(rows[0].n).toBe(0);
    } finally {
      await close();
    }
  });
});
