// The load run's schedule (bench/lib/session-plan.ts): planned before anything is sent, it must
// keep the athletes in session at the stages' target and give every athlete a whole app session.
import { describe, expect, it } from "vitest";
import { holdWindow, planSessions, profile, sessionStarts, targetAt } from "../../bench/lib/session-plan";
import type { AthleteVendor } from "../../bench/lib/session-types";

/** Sessions in progress at `atMs` (a session is in progress from its start until its end, exclusive). */
function inSession(starts: number[], sessionS: number, atMs: number): number {
  return starts.filter((start) => start <= atMs && atMs < start + sessionS * 1000).length;
}

describe("session schedule", () => {
  it("ramps to the peak, holds it, and lets the ramp-down run out without starting sessions", () => {
    const quick = profile("quick", 1000, 40);
    const starts = sessionStarts(quick.stages, quick.sessionS);
    expect(targetAt(quick.stages, 15)).toBe(500);
    expect(inSession(starts, 40, 15_000)).toBeGreaterThanOrEqual(495);
    expect(inSession(starts, 40, 15_000)).toBeLessThanOrEqual(500);
    const [holdFrom, holdTo] = holdWindow(quick.stages);
    expect([holdFrom, holdTo]).toEqual([30, 90]);
    for (let atS = holdFrom; atS < holdTo; atS += 5) expect(inSession(starts, 40, atS * 1000)).toBeGreaterThanOrEqual(995);
    expect(Math.max(...starts)).toBeLessThan(110_000);
    expect(starts.every((start, i) => i === 0 || start >= starts[i - 1]!)).toBe(true);
    // During the hold, every session that ends is replaced: 1,000 athletes / 40 s = 25 sessions a second.
    const holdStarts = starts.filter((start) => start >= 40_000 && start < 80_000).length;
    expect(holdStarts).toBeGreaterThan(950);
    expect(holdStarts).toBeLessThan(1050);
  });

  it("gives each session the app's screens in order within its length, and its vendor's webhooks", () => {
    const athletes: { vendor: AthleteVendor; objects: string[] }[] = [
      { vendor: "oura", objects: ["o1", "o2"] },
      { vendor: "whoop", objects: ["w1"] },
      { vendor: "phone", objects: [] },
    ];
    const plan = planSessions([0, 100, 200, 300], 40, athletes);
    expect(plan.map((session) => session.athlete)).toEqual([0, 1, 2, 0]);
    for (const session of plan) {
      const app = session.steps.filter((step) => !step.route.includes("webhooks")).map((step) => step.route);
      expect(app).toEqual([
        "WS /v1/me/readiness/live", "GET /v1/me", "GET /v1/me/readiness", "GET /v1/me/readiness/history",
        "GET /v1/me/sleep", "GET /v1/me/hrv", "POST /v1/me/samples",
      ]);
      expect(Math.max(...session.steps.map((step) => step.atMs))).toBeLessThan(40_000);
      expect(session.endMs - session.startMs).toBe(40_000);
    }
    const webhooks = (index: number) => plan[index]!.steps.filter((step) => step.route.includes("webhooks")).map((step) => `${step.route} ${step.event} ${step.object}`);
    expect(webhooks(0)).toEqual(["POST /webhooks/oura sleep 0"]);
    expect(webhooks(1)).toEqual(["POST /webhooks/whoop sleep.updated 0", "POST /webhooks/whoop recovery.updated 0"]);
    expect(webhooks(2)).toEqual([]);
    // The athlete's next session notifies about its next night.
    expect(webhooks(3)).toEqual(["POST /webhooks/oura sleep 1"]);
  });

  it("is the same plan every time (the hub and the bare Worker get the same schedule)", () => {
    const athletes = [{ vendor: "oura" as const, objects: ["a"] }];
    expect(planSessions([0, 50], 40, athletes)).toEqual(planSessions([0, 50], 40, athletes));
  });

  it("refuses sessions too short for the app's steps", () => {
    expect(() => planSessions([0], 20, [{ vendor: "phone", objects: [] }])).toThrow(/must last/);
  });
});
