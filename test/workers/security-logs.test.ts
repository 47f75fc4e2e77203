// Secure defaults: during a whole flow (connect, webhook → queue → normalize consumer → readiness, phone
// upload, reads, export, erasure) every line the hub logs is captured, then searched for the secrets
// and the biometric values that flowed through it. None may appear.
import { SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import night from "../fixtures/oura/sleep-long-sleep.json";
import { loadConfig } from "../../workers/env";
import { keyRing, openAccessToken, openRefreshToken } from "../../workers/connections/tokens";
import { addSimulatedAccount, completeConnect, connectCodeOf, consentAt, followCallback, startConnect } from "./connected-user";
import { testDb, testEnv, waitFor } from "./helpers";
import { bearer, sim } from "./sim";

const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug"] as const;
const spies: MockInstance[] = [];
const handle = testDb();

beforeAll(() => {
  for (const method of CONSOLE_METHODS) spies.push(vi.spyOn(console, method));
});
afterAll(async () => {
  for (const spy of spies) spy.mockRestore();
  await handle.close();
});

function captured(): string {
  return spies.flatMap((spy) => spy.mock.calls.map((args) => args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "))).join("\n");
}

// Values no other test uses, so that finding one in the logs can only mean this flow logged it.
const biometric = {
  average_hrv: 57.913, lowest_heart_rate: 44.617, total_sleep_duration: 26_417, deep_sleep_duration: 5_309, rem_sleep_duration: 5_771,
  light_sleep_duration: 15_337, awake_time: 2_963, efficiency: 91.37, latency: 733,
};
const phone = { sdnn: 61.237, restingHr: 52.381 };

describe("logs during a whole flow", () => {
  it("carry no secret, token, credential or biometric value", async () => {
    const subject = `logs-${crypto.randomUUID()}`;
    const auth = await bearer(subject);
    const vendorUserId = await addSimulatedAccount("oura");

    // Connect through the hub (OAuth state and code pass through it).
    const authorizeUrl = await startConnect("oura", auth);
    const state = new URL(authorizeUrl).searchParams.get("state")!;
    const callbackUrl = await consentAt(authorizeUrl, vendorUserId);
    const code = new URL(callbackUrl).searchParams.get("code")!;
    const connectCode = connectCodeOf(await followCallback(callbackUrl));
    expect((await completeConnect("oura", auth, connectCode)).status).toBe(200);
    const { rows: [connection] } = await handle.pool.query(
      "SELECT c.id, c.user_id, c.access_token_enc, c.refresh_token_enc FROM connections c JOIN users u ON u.id = c.user_id WHERE u.subject = $1",
      [subject],
    );
    const ring = keyRing(loadConfig(testEnv));
    const accessToken = await openAccessToken(ring, { id: connection.id, accessTokenEnc: connection.access_token_enc });
    const refreshToken = await openRefreshToken(ring, { id: connection.id, refreshTokenEnc: connection.refresh_token_enc });

    // A night arrives: webhook → queue → consumer → daily rows → readiness.
    const doc = { ...night, ...biometric, id: crypto.randomUUID(), day: "2026-11-20", bedtime_start: "2026-11-19T23:05:00+01:00", bedtime_end: "2026-11-20T06:58:00+01:00" };
    await sim.oura.putSleep(vendorUserId, doc);
    const signed = await sim.oura.signedWebhook(
      { event_type: "create", data_type: "sleep", object_id: doc.id, event_time: new Date().toISOString(), user_id: vendorUserId }, {},
    );
    expect((await SELF.fetch("http://hub.test/webhooks/oura", { method: "POST", headers: signed.headers, body: signed.body })).status).toBe(200);
    await waitFor(async () => {
      const { rows } = await handle.pool.query("SELECT 1 FROM hrv_daily WHERE user_id = $1 AND source = 'oura'", [connection.user_id]);
      return rows[0];
    }, 20_000);

    // The phone uploads.
    const samples = [
      { uuid: crypto.randomUUID(), type: "hrv_sdnn", start: "2026-11-20T04:10:00Z", end: "2026-11-20T04:11:00Z", value: phone.sdnn, unit: "ms" },
      { uuid: crypto.randomUUID(), type: "resting_hr", start: "2026-11-20T08:00:00Z", end: "2026-11-20T08:01:00Z", value: phone.restingHr, unit: "count/min" },
    ];
    const upload = await SELF.fetch("http://hub.test/v1/me/samples", {
      method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ source: "apple_health", samples }),
    });
    expect(upload.status).toBe(202);

    // Reads, the export (which must hold the values, or the search below proves nothing), erasure.
    for (const path of ["/v1/me", "/v1/me/sleep?from=2026-11-19&to=2026-11-21", "/v1/me/hrv?from=2026-11-19&to=2026-11-21",
      "/v1/me/readiness?date=2026-11-20", "/v1/me/readiness/history?from=2026-11-15&to=2026-11-21", "/v1/connections"]) {
      const res = await SELF.fetch(`http://hub.test${path}`, { headers: auth });
      expect(res.status, path).toBeLessThan(500);
      await res.arrayBuffer();
    }
    const exported = await (await SELF.fetch("http://hub.test/v1/me/export", { headers: auth })).text();
    for (const value of [biometric.average_hrv, biometric.lowest_heart_rate, phone.sdnn, phone.restingHr]) expect(exported).toContain(String(value));
    expect((await SELF.fetch("http://hub.test/v1/me", { method: "DELETE", headers: auth })).status).toBe(202);
    await waitFor(async () => ((await sim.oura.revokedTokens()).includes(accessToken) ? true : undefined));

    const logs = captured();
    // The capture holds the request path's lines and the queue consumer's, or the search proves nothing.
    expect(logs).toContain('"event":"user_erased"');
    expect(logs).toContain('"queue":"hub-ingest"');
    const password = new URL(testEnv.DATABASE_URL).password;
    const secrets: Record<string, string> = {
      "Oura client secret": testEnv.OURA_CLIENT_SECRET!,
      "WHOOP client secret": testEnv.WHOOP_CLIENT_SECRET!,
      "Oura verification token": testEnv.OURA_WEBHOOK_VERIFICATION_TOKEN!,
      "token encryption key": testEnv.TOKEN_ENCRYPTION_KEYS!.split(":")[1]!,
      "database password": password,
      "bearer token signature": auth.authorization!.split(".")[2]!,
      "vendor access token": accessToken,
      "vendor refresh token": refreshToken ?? "(none)",
      "sealed access token": connection.access_token_enc.split(":")[2],
      "OAuth state": state,
      "OAuth code": code,
      "connect code": connectCode,
      "webhook signature": signed.headers["x-oura-signature"]!,
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length, name).toBeGreaterThan(4);
      expect(logs.includes(value), `${name} appears in the logs`).toBe(false);
    }
    for (const [name, value] of Object.entries({ ...biometric, ...phone })) {
      // Decimals as they would print; integers inside JSON as a field value.
      const needles = Number.isInteger(value) ? [`:${value},`, `:${value}}`, `=${value}`] : [String(value)];
      for (const needle of needles) expect(logs.includes(needle), `${name} (${needle}) appears in the logs`).toBe(false);
    }
  }, 60_000);
});
