// The scoring curves documented in docs/readiness.md, checked point by point.
import { describe, expect, it } from "vitest";
import { hrvPoints } from "../../workers/readiness/hrv";
import { restingHrPoints } from "../../workers/readiness/resting-hr";
import { sleepDurationPoints, sleepEfficiencyPoints, sleepNeedSeconds } from "../../workers/readiness/sleep";

const HOUR = 3600;

describe("HRV curve", () => {
  it("moves gently inside the normal band and steeply far below it", () => {
    expect(hrvPoints(0)).toBe(0);
    expect(hrvPoints(1)).toBe(3);
    expect(hrvPoints(-1)).toBe(-3);
    expect(hrvPoints(-2)).toBe(-9);
    expect(hrvPoints(-3)).toBe(-27);
    expect(hrvPoints(-10)).toBe(-60);
    expect(hrvPoints(3)).toBe(10);
    expect(hrvPoints(50)).toBe(10);
  });

  it("is continuous and never decreases as HRV rises", () => {
    let previous = hrvPoints(-8);
    for (let u = -8; u <= 8; u += 0.01) {
      const points = hrvPoints(u);
      expect(points).toBeGreaterThanOrEqual(previous);
      expect(points - previous).toBeLessThan(0.5);
      previous = points;
    }
  });
});

describe("resting HR curve", () => {
  it("ignores ±2 bpm and charges 5 points per further bpm above the baseline", () => {
    expect(restingHrPoints(2)).toBe(0);
    expect(restingHrPoints(-2)).toBe(0);
    expect(restingHrPoints(4)).toBe(-10);
    expect(restingHrPoints(6)).toBe(-20);
    expect(restingHrPoints(20)).toBe(-30);
    expect(restingHrPoints(-4)).toBe(3);
    expect(restingHrPoints(-20)).toBe(5);
  });
});

describe("sleep curves", () => {
  it("takes the personal need from the baseline, held inside 7–9 h", () => {
    expect(sleepNeedSeconds(6 * HOUR)).toBe(7 * HOUR);
    expect(sleepNeedSeconds(8 * HOUR)).toBe(8 * HOUR);
    expect(sleepNeedSeconds(10 * HOUR)).toBe(9 * HOUR);
  });

  it("charges 8 points per 10 % short of the need and gives at most 5 for extra sleep", () => {
    expect(sleepDurationPoints(8 * HOUR, 8 * HOUR)).toBe(0);
    expect(sleepDurationPoints(7.2 * HOUR, 8 * HOUR)).toBeCloseTo(-8);
    expect(sleepDurationPoints(4 * HOUR, 8 * HOUR)).toBe(-40);
    expect(sleepDurationPoints(1 * HOUR, 8 * HOUR)).toBe(-40);
    expect(sleepDurationPoints(8.4 * HOUR, 8 * HOUR)).toBeCloseTo(2.5);
    expect(sleepDurationPoints(12 * HOUR, 8 * HOUR)).toBe(5);
  });

  it("charges efficiency below 85 % and below the personal baseline", () => {
    expect(sleepEfficiencyPoints(92, 90)).toBe(0);
    expect(sleepEfficiencyPoints(88, 90)).toBe(-2);
    expect(sleepEfficiencyPoints(80, 90)).toBe(-15);
    expect(sleepEfficiencyPoints(80, null)).toBe(-5);
    expect(sleepEfficiencyPoints(40, 90)).toBe(-20);
  });
});
