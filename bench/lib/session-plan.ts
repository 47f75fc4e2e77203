// The load run's schedule, computed before anything is sent: stages of target concurrency (like
// k6's ramping executors), fixed-length app sessions started so that the number in progress follows
// the target, and each session's requests at fixed offsets from its start. Nothing the server does
// changes when a request is due (open loop): a slow answer makes later requests late, never fewer.
import { createRng } from "../../scripts/sim/generate";
import type { AthleteVendor, RouteName, SessionPlan, SessionStep } from "./session-types";

/** Ramp linearly from the previous stage's target (0 at the start) to `target` over `durationS`. */
export interface Stage {
  durationS: number;
  target: number;
}

export interface Profile {
  name: "full" | "quick";
  stages: Stage[];
  /** Every session lasts this long: its steps, then the live socket held until the end. */
  sessionS: number;
}

const MAX_RUN_S = 3_600;
const MAX_SESSIONS = 200_000;
const STEP_MS = 100;

/** The profiles: ramp over 2 min, hold 5 min, ramp down; quick: 30 s, 60 s, 20 s. */
export function profile(name: Profile["name"], peak: number, sessionS = 40): Profile {
  const [rampS, holdS, downS] = name === "full" ? [120, 300, 60] : [30, 60, 20];
  return { name, sessionS, stages: [{ durationS: rampS, target: peak }, { durationS: holdS, target: peak }, { durationS: downS, target: 0 }] };
}

export function runSeconds(stages: readonly Stage[]): number {
  return stages.reduce((sum, stage) => sum + stage.durationS, 0);
}

/** The stage that holds the peak (the second one in both profiles), as [fromS, toS) of the run. */
export function holdWindow(stages: readonly Stage[]): [number, number] {
  const fromS = stages[0]?.durationS ?? 0;
  return [fromS, fromS + (stages[1]?.durationS ?? 0)];
}

export function targetAt(stages: readonly Stage[], atS: number): number {
  let from = 0;
  let startS = 0;
  for (const stage of stages) {
    if (atS < startS + stage.durationS) return from + ((stage.target - from) * (atS - startS)) / stage.durationS;
    from = stage.target;
    startS += stage.durationS;
  }
  return from;
}

/**
 * Start times (ms from the run's start) of sessions lasting `sessionS`, such that the sessions in
 * progress at any moment are the target concurrency, rounded down. A session started during the
 * ramp-down still runs to its end.
 */
export function sessionStarts(stages: readonly Stage[], sessionS: number): number[] {
  const totalMs = runSeconds(stages) * 1000;
  if (totalMs > MAX_RUN_S * 1000) throw new Error(`a run is at most ${MAX_RUN_S} s`);
  const starts: number[] = [];
  let firstActive = 0;
  for (let atMs = 0; atMs < totalMs; atMs += STEP_MS) {
    while (firstActive < starts.length && starts[firstActive]! + sessionS * 1000 <= atMs) firstActive++;
    const missing = Math.floor(targetAt(stages, atMs / 1000)) - (starts.length - firstActive);
    // Spread the step's new sessions over the step instead of starting them in one burst.
    for (let k = 0; k < missing; k++) starts.push(atMs + (k * STEP_MS) / missing);
    if (starts.length > MAX_SESSIONS) throw new Error(`more than ${MAX_SESSIONS} sessions: lower --athletes`);
  }
  return starts;
}

/** The app screens of one session, in order (the live socket opens with the first). */
const APP_STEPS: RouteName[] = ["GET /v1/me/readiness", "GET /v1/me/readiness/history", "GET /v1/me/sleep", "GET /v1/me/hrv", "POST /v1/me/samples"];
const THINK_S: [number, number] = [3, 6];
/** Vendors notify about the night the phone just synced, within seconds of the app opening. */
const WEBHOOK_WITHIN_S = 10;

export function planSessions(
  starts: readonly number[],
  sessionS: number,
  athletes: readonly { vendor: AthleteVendor; objects: readonly string[] }[],
): SessionPlan[] {
  const lastStepS = THINK_S[1] * APP_STEPS.length;
  if (sessionS < Math.max(lastStepS, WEBHOOK_WITHIN_S) + 1) throw new Error(`a session must last more than ${lastStepS + 1} s`);
  return starts.map((startMs, index) => {
    const athlete = index % athletes.length;
    const { vendor, objects } = athletes[athlete]!;
    const rng = createRng(`session-${index}`);
    const steps: SessionStep[] = [{ atMs: 0, route: "WS /v1/me/readiness/live" }, { atMs: 0, route: "GET /v1/me" }];
    let atMs = 0;
    for (const route of APP_STEPS) {
      atMs += rng.uniform(THINK_S[0], THINK_S[1]) * 1000;
      steps.push({ atMs, route });
    }
    // The same athlete's next session notifies about its next night (objects are its recent nights).
    const object = objects.length ? Math.floor(index / athletes.length) % objects.length : 0;
    const webhookAtMs = rng.uniform(0, WEBHOOK_WITHIN_S) * 1000;
    if (vendor === "oura") steps.push({ atMs: webhookAtMs, route: "POST /webhooks/oura", object, event: "sleep" });
    if (vendor === "whoop") {
      steps.push({ atMs: webhookAtMs, route: "POST /webhooks/whoop", object, event: "sleep.updated" });
      steps.push({ atMs: webhookAtMs + 500, route: "POST /webhooks/whoop", object, event: "recovery.updated" });
    }
    return { index, athlete, startMs, endMs: startMs + sessionS * 1000, steps: steps.sort((a, b) => a.atMs - b.atMs) };
  });
}
