// Cross-user isolation over every authenticated operation in /openapi.json (so routes added later are
// covered too): Bob puts Alice's identifiers into every path parameter, query, header and body field he
// can; no answer may carry anything of Alice's, and none of Alice's rows may change.
import { SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb } from "./helpers";
import { seedUser, type SeededUser } from "./privacy-helpers";
import { concretePath, exampleOf, openApiDocument, operations, type Operation } from "./security-openapi";
import { bearer } from "./sim";

const handle = testDb();
let alice: SeededUser;
let bob: SeededUser;

beforeAll(async () => {
  alice = await seedUser(handle, "iso-alice", 0);
  bob = await seedUser(handle, "iso-bob", 100);
});
afterAll(() => handle.close());

/** Strings that appear only in Alice's data: her identifiers and her (distinctive) biometric values. */
function aliceNeedles(): string[] {
  return [alice.id, alice.sub, alice.auditRef, alice.ouraUserId, String(alice.whoopUserId),
    String(alice.values.rmssd), String(alice.values.sdnn), String(alice.values.restingHr), String(alice.values.sampleValue)];
}

/** RFC 3339 instants (and Postgres' "YYYY-MM-DD HH:MM:SS" rendering): their digits are not values. */
const INSTANT = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?/g;

/**
 * Whether `text` carries `needle`. Identifiers match anywhere; a number matches only as a whole number
 * (a decimal may go on with more digits, as a float's rendering can) outside timestamps, so that
 * Alice's 52.345 is found in `"resting_hr_bpm":52.345` but not in `"2026-11-02T10:41:52.345Z"`.
 */
function carries(text: string, needle: string): boolean {
  if (!/^\d+(?:\.\d+)?$/.test(needle)) return text.includes(needle);
  const digits = needle.replace(".", "\\.") + (needle.includes(".") ? "\\d*" : "");
  return new RegExp(`(?<![\\w.])${digits}(?![\\w])`).test(text.replace(INSTANT, "<instant>"));
}

/** Every identifier-looking name a client might try, each carrying one of Alice's identifiers. */
function injected(): Record<string, string> {
  return {
    user_id: alice.id, userId: alice.id, user: alice.id, id: alice.id, uid: alice.id, sub: alice.sub, subject: alice.sub,
    audit_ref: alice.auditRef, vendor_user_id: alice.ouraUserId, owner: alice.id, as: alice.sub, on_behalf_of: alice.id,
  };
}

const QUERY_VALUES: Record<string, string> = { from: "2026-11-01", to: "2026-11-03", date: "2026-11-02" };

async function fingerprint(user: SeededUser): Promise<Record<string, unknown>> {
  const { rows } = await handle.pool.query(
    `SELECT (SELECT timezone FROM users WHERE id = $1) AS timezone,
            (SELECT json_agg(json_build_object('vendor', vendor, 'status', status, 'token', access_token_enc) ORDER BY vendor) FROM connections WHERE user_id = $1) AS connections,
            (SELECT count(*)::int FROM sleep_daily WHERE user_id = $1) AS sleep,
            (SELECT count(*)::int FROM hrv_daily WHERE user_id = $1) AS hrv,
            (SELECT count(*)::int FROM phone_samples WHERE user_id = $1) AS samples,
            (SELECT json_agg(score ORDER BY date) FROM readiness_snapshots WHERE user_id = $1) AS readiness,
            (SELECT count(*)::int FROM vendor_records WHERE user_id = $1) AS records,
            (SELECT count(*)::int FROM daily_signals WHERE user_id = $1) AS signals,
            (SELECT count(*)::int FROM workouts WHERE user_id = $1) AS workouts`,
    [user.id],
  );
  return rows[0];
}

interface Attempt {
  label: string;
  url: string;
  init: RequestInit;
}

async function attemptsFor(op: Operation): Promise<Attempt[]> {
  const doc = await openApiDocument();
  const ids = injected();
  const pathVariants: Record<string, string>[] = [{}];
  for (const p of op.parameters.filter((p) => p.in === "path")) pathVariants.push({ [p.name]: alice.id }, { [p.name]: alice.sub });
  const query = new URLSearchParams();
  for (const p of op.parameters.filter((p) => p.in === "query")) query.set(p.name, QUERY_VALUES[p.name] ?? String(exampleOf(p.schema, doc)));
  const withIds = new URLSearchParams(query);
  for (const [name, value] of Object.entries(ids)) withIds.set(name, value);
  const headerIds = { "x-user-id": alice.id, "x-forwarded-user": alice.sub, "x-auth-request-user": alice.sub, "x-subject": alice.sub };
  const wantsSocket = op.parameters.some((p) => p.in === "header" && p.name.toLowerCase() === "upgrade");
  const baseHeaders = { ...(await bearer(bob.sub)), ...(wantsSocket ? { upgrade: "websocket" } : {}) };
  const bodies: (string | undefined)[] = [undefined];
  if (op.body) {
    const example = exampleOf(op.body, doc);
    const merged = example && typeof example === "object" && !Array.isArray(example) ? { ...ids, ...example } : example;
    bodies.splice(0, 1, JSON.stringify(example), JSON.stringify(merged), JSON.stringify({ ...ids }));
  }
  const attempts: Attempt[] = [];
  for (const params of pathVariants) {
    const path = concretePath(op, doc, params);
    for (const [label, search] of [["documented query", query], ["query with ids", withIds]] as const) {
      for (const body of bodies) {
        const headers: Record<string, string> = { ...baseHeaders, ...headerIds };
        if (body !== undefined) headers["content-type"] = "application/json";
        attempts.push({
          label: `${op.method} ${path} (${label}${body ? `, body ${body.slice(0, 60)}` : ""})`,
          url: `http://hub.test${path}${search.size ? `?${search}` : ""}`,
          init: { method: op.method, headers, body, redirect: "manual" },
        });
      }
    }
  }
  return attempts;
}

async function textOf(res: Response): Promise<string> {
  if (res.webSocket) {
    // A live channel: read what it pushes for a moment, then close it.
    const socket = res.webSocket;
    const received: string[] = [];
    socket.accept();
    socket.addEventListener("message", (event) => received.push(String(event.data)));
    await new Promise((r) => setTimeout(r, 200));
    socket.close(1000, "done");
    return received.join("\n");
  }
  return res.text();
}

describe("cross-user isolation on every authenticated route", () => {
  it("the leak check finds whole values and ignores the digits of timestamps", () => {
    expect(carries('{"resting_hr_bpm":52.345}', "52.345")).toBe(true);
    expect(carries('{"value":"52.345"}', "52.345")).toBe(true);
    expect(carries("[52.34500001]", "52.345")).toBe(true);
    expect(carries('{"at":"2026-11-02T10:41:52.345Z"}', "52.345")).toBe(false);
    expect(carries('{"at":"2026-11-02 10:41:52.345+00"}', "52.345")).toBe(false);
    expect(carries('{"value":152.345}', "52.345")).toBe(false);
    expect(carries('{"user_id":"912345678"}', "912345678")).toBe(true);
  });

  it("Alice's own answers do carry her data (so the checks below can fail)", async () => {
    const text = await (await SELF.fetch("http://hub.test/v1/me/export", { headers: await bearer(alice.sub) })).text();
    for (const needle of aliceNeedles()) expect(carries(text, needle), needle).toBe(true);
    const sleep = await (await SELF.fetch("http://hub.test/v1/me/hrv?from=2026-11-01&to=2026-11-03", { headers: await bearer(alice.sub) })).text();
    expect(carries(sleep, String(alice.values.rmssd))).toBe(true);
  });

  it("no path, query, header or body value lets Bob read or change Alice's data", async () => {
    const ops = (await operations()).filter((op) => op.bearer);
    expect(ops.length).toBeGreaterThanOrEqual(10);
    // Deletions last, the account's own deletion at the very end.
    const rank = (op: Operation) => (op.method !== "DELETE" ? 0 : op.path === "/v1/me" ? 2 : 1);
    ops.sort((a, b) => rank(a) - rank(b));
    const before = await fingerprint(alice);
    const needles = aliceNeedles();
    let sent = 0;
    for (const op of ops) {
      for (const attempt of await attemptsFor(op)) {
        const res = await SELF.fetch(attempt.url, attempt.init);
        const text = await textOf(res);
        sent += 1;
        expect(res.status, attempt.label).toBeLessThan(500);
        for (const needle of needles) expect(carries(text, needle), `${attempt.label} leaked ${needle}`).toBe(false);
      }
    }
    expect(sent).toBeGreaterThanOrEqual(ops.length * 2);
    expect(await fingerprint(alice)).toEqual(before);
    // Bob's own deletion went through: it acted on Bob only.
    const { rows } = await handle.pool.query("SELECT count(*)::int AS n FROM users WHERE id = $1", [bob.id]);
    expect(rows[0].n).toBe(0);
  });
});
