// Fuzzing every endpoint the hub documents (/openapi.json, webhooks included) and some it does not:
// random and malformed methods, paths, queries, headers and bodies, with and without valid tokens and
// signatures. Every answer must be below 500 and, when it is an error, in the contract's envelope;
// and nothing a malformed request carries may end up stored. The seed is printed on failure.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../../workers/index";
import type { Env } from "../../workers/env";
import { codeToStatus } from "../../workers/lib/errors";
import { testDb, testEnv } from "./helpers";
import { findEverywhere } from "./privacy-helpers";
import { concretePath, exampleOf, openApiDocument, operations, resolve, type Operation } from "./security-openapi";
import { sim } from "./sim";

/** What the runtime hands the fetch handler; a test-made Request only lacks the edge's `cf` details. */
type IncomingRequest = Request<unknown, IncomingRequestCfProperties>;

const REQUESTS = 3_000;
const CONCURRENCY = 4;
/** Random per run; a failure prints it: put it here to replay that run. */
const SEED: number = Math.floor(Math.random() * 2 ** 31);
/** Every string the fuzzer makes up carries this marker, so that anything stored can be found. */
const RUN = `fz${SEED.toString(36)}x${Math.floor(Math.random() * 1e6).toString(36)}`;

/** mulberry32: small, seedable, good enough to pick cases. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
const rnd = prng(SEED);

const JUNK_STRINGS = [
  "", " ", "null", "undefined", "NaN", "-1", "0", "1e309", "9".repeat(40), "../../etc/passwd", "%00", "\u0000", "' OR 1=1 --",
  "<script>alert(1)</script>", "${jndi:ldap://x}", "{{7*7}}", "\u202e\u0645\ud83d\ude00", "a".repeat(3_000), "2026-02-30", "2026-13-01",
  "9999-12-31", "0000-01-01", "1970-01-01T00:00:00Z", "Europe/Nowhere", "oura", "whoop", "apple_health", "sleep.updated", "\\u0000",
];

function junkString(): string {
  const base = rnd.pick(JUNK_STRINGS);
  return rnd.chance(0.5) ? `${base}${RUN}` : `${RUN}${base}`;
}

function junkValue(depth = 0): unknown {
  switch (rnd.int(depth > 3 ? 6 : 9)) {
    case 0: return junkString();
    case 1: return rnd.pick([0, -1, 1.5, 2 ** 53 + 1, -1e308, 1e-320, 123456789]);
    case 2: return rnd.chance(0.5);
    case 3: return null;
    case 4: return rnd.pick(["", RUN, `${RUN}-${rnd.int(1e6)}`]);
    case 5: return {};
    case 6: return Array.from({ length: rnd.int(4) }, () => junkValue(depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = rnd.int(5); i > 0; i--) object[rnd.pick(["user_id", "id", "type", "samples", "source", "__proto__", "constructor", junkString()])] = junkValue(depth + 1);
      return object;
    }
  }
}

/** A copy of `value` that is certainly invalid for `schema`: a required field dropped or of the wrong type. */
function breakRequired(value: unknown, schema: Record<string, unknown>, doc: Awaited<ReturnType<typeof openApiDocument>>): unknown {
  const resolved = resolve(schema, doc);
  if (resolved.type === "array" && Array.isArray(value)) return value.length ? [breakRequired(value[0], (resolved.items ?? {}) as Record<string, unknown>, doc), ...value.slice(1)] : 42;
  if (!value || typeof value !== "object" || Array.isArray(value)) return rnd.chance(0.5) ? [value] : { value };
  const required = ((resolved.required ?? []) as string[]).filter((name) => name in (value as object));
  if (required.length === 0) return rnd.chance(0.5) ? [value] : JSON.stringify(value);
  const name = rnd.pick(required);
  const copy = { ...(value as Record<string, unknown>) };
  const property = resolve(((resolved.properties ?? {}) as Record<string, Record<string, unknown>>)[name], doc);
  switch (rnd.int(3)) {
    case 0:
      delete copy[name];
      break;
    case 1:
      copy[name] = typeof copy[name] === "string" ? { nested: junkString() } : junkString();
      if (Array.isArray(property.enum) || "const" in property) copy[name] = `not-${RUN}`;
      break;
    default:
      copy[name] = breakRequired(copy[name], property, doc);
      if (JSON.stringify(copy[name]) === JSON.stringify((value as Record<string, unknown>)[name])) delete copy[name];
  }
  return copy;
}

function junkBody(op: Operation | undefined, doc: Awaited<ReturnType<typeof openApiDocument>>): { body?: string; type?: string } {
  switch (rnd.int(op?.body ? 9 : 6)) {
    case 0: return {};
    case 1: return { body: `{"user_id": "${RUN}", "id": `, type: "application/json" };
    case 2: return { body: JSON.stringify(junkValue()), type: rnd.pick(["application/json", "text/plain", "application/json; charset=utf-16", "application/x-www-form-urlencoded"]) };
    case 3: return { body: `${RUN}=${encodeURIComponent(junkString())}&user_id=${RUN}`, type: "application/x-www-form-urlencoded" };
    case 4: return { body: "[".repeat(5_000) + "]".repeat(5_000), type: "application/json" };
    case 5: return { body: `{"pad":"${RUN}${"x".repeat(70 * 1024)}"}`, type: "application/json" };
    default: return { body: JSON.stringify(breakRequired(exampleOf(op!.body, doc), op!.body!, doc)), type: "application/json" };
  }
}

interface Fuzzed {
  label: string;
  url: string;
  init: RequestInit & { headers: Record<string, string> };
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const EXTRA_PATHS = ["/v1", "/v1/", "/v1/me/", "/v1/me/export/x", "/webhooks", "/webhooks/", "/webhooks/fitbit", "/oauth/fitbit/callback", "//v1//me", "/v1/%2e%2e/health", "/health/../v1/me", "/%00", "/v1/me/readiness/live/x"];

async function fuzzedRequest(ops: Operation[], tokens: string[], eraserTokens: string[]): Promise<Fuzzed> {
  const doc = await openApiDocument();
  const op = rnd.chance(0.9) ? rnd.pick(ops) : undefined;
  const method = op && rnd.chance(0.85) ? op.method : rnd.pick(METHODS);
  let path = op ? concretePath(op, doc, Object.fromEntries(op.parameters.filter((p) => p.in === "path" && rnd.chance(0.4)).map((p) => [p.name, junkString()]))) : rnd.pick(EXTRA_PATHS);
  if (rnd.chance(0.05)) path += `/${encodeURIComponent(junkString())}`;
  const query = new URLSearchParams();
  for (const p of op?.parameters.filter((p) => p.in === "query") ?? []) {
    if (rnd.chance(0.7)) query.append(p.name, rnd.chance(0.3) ? String(exampleOf(p.schema, doc)) : junkString());
  }
  for (let i = rnd.int(3); i > 0; i--) query.append(rnd.pick(["user_id", "from", "to", "date", "vendor", "code", "state", junkString()]), junkString());
  const headers: Record<string, string> = {};
  const auth = rnd.int(8);
  if (auth <= 1 && tokens.length) headers.authorization = `Bearer ${rnd.pick(tokens)}`;
  else if (auth === 3) headers.authorization = `Bearer ${junkString().replace(/[^\x21-\x7e]/g, "")}`;
  else if (auth === 4) headers.authorization = `Bearer e30.${btoa(JSON.stringify({ sub: RUN })).replace(/=/g, "")}.`;
  else if (auth === 5) headers.authorization = rnd.pick(["Basic Zm9vOmJhcg==", "Bearer", "bearer  x.y.z", `Bearer ${"a".repeat(9_000)}.b.c`]);
  for (const name of ["x-oura-signature", "x-oura-timestamp", "x-whoop-signature", "x-whoop-signature-timestamp", "cf-connecting-ip", "x-request-id", "origin", "upgrade", "traceparent", "content-length-junk"]) {
    if (rnd.chance(0.15)) headers[name] = rnd.pick([junkString(), String(Date.now()), String(Math.floor(Date.now() / 1000)), "websocket", "-1", "0"]).replace(/[^\x20-\x7e]/g, "?").slice(0, 4_000);
  }
  // Account deletions act for users of their own: a deletion racing another request of the same user
  // is a different question from malformed input.
  if (method === "DELETE" && path === "/v1/me" && tokens.some((t) => headers.authorization === `Bearer ${t}`)) {
    headers.authorization = `Bearer ${rnd.pick(eraserTokens)}`;
  }
  const { body, type } = method === "GET" || method === "OPTIONS" ? {} : junkBody(op, doc);
  if (type) headers["content-type"] = type;
  return { label: `${method} ${path}${query.size ? `?${query}` : ""}`.slice(0, 300), url: `http://hub.test${path}${query.size ? `?${query}` : ""}`, init: { method, headers, body, redirect: "manual" } };
}

/** Webhook bodies that carry a valid signature but are malformed: they must reach the parser and stop there. */
async function signedMalformedWebhook(): Promise<Fuzzed> {
  const vendor = rnd.pick(["oura", "whoop"] as const);
  const body = JSON.stringify(rnd.chance(0.5)
    ? breakRequired({ event_type: "update", data_type: "sleep", object_id: RUN, event_time: new Date().toISOString(), user_id: RUN, id: RUN, type: "sleep.updated", trace_id: RUN },
      { type: "object", required: vendor === "oura" ? ["event_type", "data_type", "object_id", "event_time", "user_id"] : ["user_id", "id", "type"] }, { paths: {} })
    : junkValue());
  const signed = vendor === "oura" ? await sim.oura.signedWebhook(body, {}) : await sim.whoop.signedWebhook(body, {});
  return { label: `signed ${vendor} ${body.slice(0, 120)}`, url: `http://hub.test/webhooks/${vendor}`, init: { method: "POST", headers: signed.headers, body: signed.body, redirect: "manual" } };
}

const CODES = new Set(Object.keys(codeToStatus));
const handle = testDb();
const subjects = Array.from({ length: 6 }, (_, i) => `fuzz-${RUN}-${i}`);
let tokens: string[] = [];
let eraserTokens: string[] = [];

beforeAll(async () => {
  const minted = await Promise.all(subjects.map((sub, i) => sim.idp.mint({ sub, alg: i % 2 ? "RS256" : "ES256", expSeconds: 600 })));
  [tokens, eraserTokens] = [minted.slice(0, 4), minted.slice(4)];
});
afterAll(() => handle.close());

async function check(request: Fuzzed, failures: string[]): Promise<number> {
  // The Worker's own entry point with the test environment (SELF.fetch slows down with every request
  // a test file sends, which thousands of requests cannot afford).
  let res: Response;
  const ctx = createExecutionContext();
  try {
    res = await worker.fetch(new Request(request.url, request.init) as IncomingRequest, testEnv as unknown as Env, ctx);
  } catch (error) {
    failures.push(`${request.label}: request failed (${(error as Error).message})`);
    return 0;
  }
  if (res.webSocket) {
    res.webSocket.accept();
    res.webSocket.close(1000, "fuzz");
    await waitOnExecutionContext(ctx);
    return res.status;
  }
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  const fail = (why: string) => failures.push(`${request.label} → ${res.status} ${why}: ${text.slice(0, 200)}`);
  if (res.status >= 500) fail("server error");
  if (/\n\s+at |\.ts:\d+/.test(text)) fail("stack trace");
  if (res.status >= 400) {
    let body: { error?: { code?: unknown; message?: unknown; request_id?: unknown } } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      fail("error answer is not JSON");
    }
    const error = body?.error;
    if (!error || typeof error.message !== "string" || typeof error.request_id !== "string" || !CODES.has(String(error.code))) fail("not in the envelope");
    else if (codeToStatus[error.code as keyof typeof codeToStatus] !== res.status) fail(`code ${String(error.code)} does not match the status`);
    if (!res.headers.get("content-type")?.startsWith("application/json")) fail("error answer not labelled JSON");
  } else if (res.headers.get("content-type")?.startsWith("application/json")) {
    try {
      JSON.parse(text);
    } catch {
      fail("success answer is not JSON");
    }
  }
  return res.status;
}

describe("fuzz", () => {
  it(`${REQUESTS} random and malformed requests: no 5xx, always the envelope, nothing stored`, async () => {
    const ops = await operations();
    expect(ops.some((op) => op.path.startsWith("/webhooks/"))).toBe(true);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    // Generated up front, in order, so that a seed always gives the same requests.
    const requests: Fuzzed[] = [];
    for (let i = 0; i < REQUESTS; i++) requests.push(i % 30 === 0 ? await signedMalformedWebhook() : await fuzzedRequest(ops, tokens, eraserTokens));
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests.length && failures.length < 20) {
          const request = requests[next++]!;
          const status = await check(request, failures);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    expect(failures, `seed ${SEED} (set SEED to it to replay); answers by status: ${JSON.stringify([...statuses])}`).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(REQUESTS);

    // Nothing the fuzzer made up is stored, apart from its users' accounts (first use provisions them),
    // and OAuth states that an authenticated, well-formed "connect" may legitimately start. (The client's
    // x-request-id is never stored: audit rows keep the hub's own id.)
    const { rows } = await handle.pool.query<{ id: string }>("SELECT id FROM users WHERE subject LIKE $1", [`fuzz-${RUN}-%`]);
    const found = await findEverywhere(handle, [RUN, ...rows.map((r) => r.id)]);
    const allowed = new Set(["users.id", "users.subject", "oauth_states.user_id"]);
    expect(Object.keys(found).filter((column) => !allowed.has(column)), `seed ${SEED}`).toEqual([]);
  }, 120_000);
});
