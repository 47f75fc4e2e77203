// The requests of one app session step, built at send time (webhook signatures carry the current
// time; phone samples get fresh uuids, so every upload is new to the hub).
import { randomUUID } from "node:crypto";
import { addDays } from "../../scripts/sim/generate";
import { signOuraWebhook } from "../../workers/vendors/oura";
import { signWhoopWebhook } from "../../workers/vendors/whoop";
import type { AthleteSpec, SessionStep } from "./session-types";

export interface HttpRequest {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** The date ranges the app's screens ask for. */
export function appRanges(today: string) {
  return {
    history: `from=${addDays(today, -29)}&to=${today}`,
    sleep: `from=${addDays(today, -6)}&to=${today}`,
    hrv: `from=${addDays(today, -29)}&to=${today}`,
  };
}

const json = { "content-type": "application/json" };

export async function stepRequest(step: SessionStep, athlete: AthleteSpec, today: string, secrets: { oura: string; whoop: string }): Promise<HttpRequest> {
  const auth = { authorization: `Bearer ${athlete.token}` };
  const ranges = appRanges(today);
  switch (step.route) {
    case "GET /v1/me":
      return { method: "GET", path: "/v1/me", headers: auth };
    case "GET /v1/me/readiness":
      return { method: "GET", path: "/v1/me/readiness", headers: auth };
    case "GET /v1/me/readiness/history":
      return { method: "GET", path: `/v1/me/readiness/history?${ranges.history}`, headers: auth };
    case "GET /v1/me/sleep":
      return { method: "GET", path: `/v1/me/sleep?${ranges.sleep}`, headers: auth };
    case "GET /v1/me/hrv":
      return { method: "GET", path: `/v1/me/hrv?${ranges.hrv}`, headers: auth };
    case "POST /v1/me/samples":
      return { method: "POST", path: "/v1/me/samples", headers: { ...auth, ...json }, body: JSON.stringify(lastNightUpload(athlete, today)) };
    case "POST /webhooks/oura":
      return ouraWebhook(athlete, step, secrets.oura);
    case "POST /webhooks/whoop":
      return whoopWebhook(athlete, step, secrets.whoop);
    case "WS /v1/me/readiness/live":
      throw new Error("the live socket is not an HTTP request");
  }
}

async function ouraWebhook(athlete: AthleteSpec, step: SessionStep, secret: string): Promise<HttpRequest> {
  const body = JSON.stringify({
    event_type: "update",
    data_type: "sleep",
    object_id: athlete.objects[step.object ?? 0],
    event_time: new Date().toISOString(),
    user_id: athlete.vendorUserId,
  });
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    method: "POST",
    path: "/webhooks/oura",
    headers: { ...json, "x-oura-timestamp": String(timestamp), "x-oura-signature": await signOuraWebhook(secret, timestamp, body) },
    body,
  };
}

async function whoopWebhook(athlete: AthleteSpec, step: SessionStep, secret: string): Promise<HttpRequest> {
  const body = JSON.stringify({
    user_id: Number(athlete.vendorUserId),
    id: athlete.objects[step.object ?? 0],
    type: step.event ?? "sleep.updated",
    trace_id: randomUUID(),
  });
  const timestamp = Date.now();
  return {
    method: "POST",
    path: "/webhooks/whoop",
    headers: { ...json, "x-whoop-signature-timestamp": String(timestamp), "x-whoop-signature": await signWhoopWebhook(secret, timestamp, body) },
    body,
  };
}

const STAGES: [stage: string, minutes: number][] = [
  ["in_bed", 470], ["light", 95], ["deep", 50], ["light", 80], ["rem", 35], ["awake", 6], ["light", 90], ["deep", 30], ["rem", 45], ["light", 40],
];

/** What a phone uploads after a night: its sleep stages, a few HRV readings and the resting HR (22 samples). */
export function lastNightUpload(athlete: AthleteSpec, today: string) {
  const bedtime = Date.parse(`${addDays(today, -1)}T23:00:00Z`);
  const apple = athlete.phoneSource === "apple_health";
  const samples: Record<string, unknown>[] = [];
  let at = bedtime;
  for (const [stage, minutes] of STAGES) {
    const start = stage === "in_bed" ? bedtime : at;
    const end = start + minutes * 60_000;
    samples.push({ uuid: randomUUID(), type: "sleep_stage", stage, start: new Date(start).toISOString(), end: new Date(end).toISOString() });
    if (stage !== "in_bed") at = end;
  }
  for (let hour = 1; hour <= 10; hour++) {
    const start = bedtime + hour * 40 * 60_000;
    samples.push({
      uuid: randomUUID(),
      type: apple ? "hrv_sdnn" : "hrv_rmssd",
      value: 38 + ((hour * 7) % 23),
      unit: "ms",
      start: new Date(start).toISOString(),
      end: new Date(start + 60_000).toISOString(),
    });
  }
  const morning = bedtime + 8 * 3_600_000;
  samples.push({ uuid: randomUUID(), type: "resting_hr", value: 52, unit: "bpm", start: new Date(morning).toISOString(), end: new Date(morning + 60_000).toISOString() });
  samples.push({ uuid: randomUUID(), type: "resting_hr", value: 54, unit: "bpm", start: new Date(morning + 600_000).toISOString(), end: new Date(morning + 660_000).toISOString() });
  return { source: athlete.phoneSource, samples };
}
