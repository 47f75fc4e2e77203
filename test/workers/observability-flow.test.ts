// One webhook's journey, as an operator follows it: signed webhook → ingest consumer (vendor fetch) →
// insights message → UserReadiness recompute. Every log line of it carries the webhook's trace id, the
// Analytics Engine dataset receives a data point per step (through the METRICS binding, which the test
// runtime points at a capturing worker), PostHog (the local stand-in) receives the product events
// under a keyed hash of the user id, and none of it carries a secret, a token or a biometric value.
import { env, SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import { generateOuraHistory } from "../../scripts/sim/oura-history";
import { loadConfig } from "../../workers/env";
import { keyRing, openAccessToken } from "../../workers/connections/tokens";
import { distinctIdOf } from "../../workers/lib/product-analytics";
import { connectedUser } from "./connected-user";
import { testEnv, waitFor } from "./helpers";
import { ouraEvent, query, runIngest, signedOuraRequest } from "./ingest-helpers";
import { bearer, sim } from "./sim";

interface Point { indexes: string[]; blobs: string[]; doubles: number[] }
const metricsPoints = () => (env as unknown as { METRICS: { points(): Promise<Point[]> } }).METRICS.points();

const spies: MockInstance[] = [];
beforeAll(() => {
  for (const method of ["log", "warn", "error"] as const) spies.push(vi.spyOn(console, method));
});
afterAll(() => spies.forEach((spy) => spy.mockRestore()));

function logLines(): Record<string, unknown>[] {
  return spies.flatMap((spy) => spy.mock.calls.flatMap(([line]) => {
    try {
      return typeof line === "string" && line.startsWith("{") ? [JSON.parse(line) as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  }));
}

const today = new Date().toISOString().slice(0, 10);

describe("a webhook's journey", () => {
  it("shares one trace id across log lines, leaves a data point per step and the expected product events", async () => {
    const user = await connectedUser("oura");
    // 30 nights of history (so that the new night gets a score), synced without the insights queue.
    const history = generateOuraHistory({ vendorUserId: user.vendorUserId, days: 31, endDate: today, seed: user.vendorUserId });
    const tonight = history.filter((doc) => doc.type === "long_sleep").at(-1)!;
    for (const doc of history) await sim.oura.putSleep(user.vendorUserId, doc as unknown as Record<string, unknown>);
    const start = history[0]!.day as string;
    const yesterday = history.filter((doc) => doc.day !== tonight.day).at(-1)!.day as string;
    await runIngest([{ kind: "sync_range", connection_id: user.connectionId, start_date: start, end_date: yesterday, reason: "backfill" }]);
    const pointsBefore = (await metricsPoints()).length;

    const traceId = crypto.randomUUID().replaceAll("-", "");
    const event = ouraEvent(user.vendorUserId, tonight.id as string, "create");
    const res = await SELF.fetch(await signedOuraRequest(event, { headers: { traceparent: `00-${traceId}-1111111111111111-01` } })());
    expect(res.status).toBe(200);
    await waitFor(async () => {
      const rows = await query("SELECT score FROM readiness_snapshots WHERE user_id = $1 AND date = $2 AND score IS NOT NULL", [user.userId, tonight.day]);
      return rows.length ? rows : undefined;
    }, 20_000);
    const traced = await waitFor(async () => {
      const lines = logLines().filter((line) => line.trace_id === traceId);
      return lines.some((line) => line.event === "readiness_recomputed") ? lines : undefined;
    });

    // One trace id finds the request, both queue messages, the vendor event and the recompute.
    const events = traced.map((line) => `${line.event}:${line.queue ?? line.route ?? line.outcome ?? ""}`);
    expect(events).toEqual(expect.arrayContaining([
      "request:/webhooks/oura", "vendor_event_applied:hub-ingest", "queue_message:hub-ingest", "queue_message:hub-insights",
      "readiness_recomputed:computed",
    ]));
    expect(traced.find((line) => line.event === "queue_message" && line.queue === "hub-ingest")).toMatchObject({ outcome: "ack", vendor: "oura", attempts: 1 });
    // The vendor fetch carried the trace onward as a header (a new span of the same trace).
    const fetches = (await sim.oura.requests()).filter((r) => r.path.endsWith(`/${tonight.id}`));
    expect(fetches.map((r) => r.traceparent?.split("-")[1])).toEqual([traceId]);

    // Data points for each step (other tests write points too: look for this flow's kinds).
    const points = (await metricsPoints()).slice(pointsBefore);
    const has = (...blobs: string[]) => points.some((p) => blobs.every((b, i) => p.blobs[i] === b));
    expect(has("request", "/webhooks/oura", "2xx", "POST")).toBe(true);
    expect(has("webhook", "oura", "accepted")).toBe(true);
    expect(has("queue", "ingest", "ack", "oura")).toBe(true);
    expect(has("vendor_call", "oura", "usercollection/sleep", "2xx")).toBe(true);
    expect(has("queue", "insights", "ack")).toBe(true);
    expect(has("recompute", "computed")).toBe(true);
    const lag = points.find((p) => p.blobs[0] === "queue" && p.blobs[1] === "ingest")!;
    expect(lag.doubles[0]).toBe(1); // attempts
    expect(lag.doubles[1]).toBeGreaterThanOrEqual(0); // lag from enqueue, ms

    // Product events: the first score, then a readiness view, under the keyed hash of the user id.
    const readiness = await SELF.fetch(`http://hub.test/v1/me/readiness?date=${tonight.day}`, { headers: await bearer(user.subject) });
    expect(readiness.status).toBe(200);
    const distinctId = await distinctIdOf(testEnv.POSTHOG_ID_KEY!, user.userId);
    expect(distinctId).not.toContain(user.userId);
    const captured = await waitFor(async () => {
      const mine = (await sim.posthog.events()).filter((e) => e.distinct_id === distinctId);
      return mine.some((e) => e.event === "readiness_viewed") ? mine : undefined;
    });
    expect(captured.map((e) => e.event).sort()).toEqual(["first_readiness_score", "readiness_viewed"]);

    // Nothing of it carries a secret, a token, an email or a biometric value.
    const config = loadConfig(testEnv);
    const accessToken = await openAccessToken(keyRing(config), { id: user.connectionId, accessTokenEnc: (await query<{ a: string }>("SELECT access_token_enc AS a FROM connections WHERE id = $1", [user.connectionId]))[0]!.a });
    const everything = JSON.stringify([traced, points, captured]);
    for (const secret of [accessToken, config.OURA_CLIENT_SECRET, config.POSTHOG_ID_KEY!, user.userId, user.subject]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toMatch(/@[a-z0-9-]+\./i);
    for (const value of [tonight.average_hrv, tonight.lowest_heart_rate, tonight.total_sleep_duration]) {
      expect(everything).not.toContain(`:${value},`);
    }
  });
});
