// How long a message refused by the vendor call budget waits before it comes back
// (workers/normalize/requeue.ts): the budget's wait, plus a spread that doubles with each refusal.
import { describe, expect, it } from "vitest";
import { BUDGET_SPREAD_SECONDS, MAX_QUEUE_DELAY_SECONDS, budgetDelaySeconds } from "../../workers/normalize/requeue";

describe("the delay of a message refused by the call budget", () => {
  it("is never before the budget's own wait", () => {
    expect(budgetDelaySeconds(37, 1, () => 0)).toBe(37);
    expect(budgetDelaySeconds(37, 5, () => 0)).toBe(37);
  });

  it("spreads a backlog's returns over a range that doubles with each refusal, up to 16 times the first", () => {
    const widest = (refusals: number) => budgetDelaySeconds(10, refusals, () => 0.999999) - 10;
    expect([1, 2, 3, 4, 5, 6, 12].map(widest)).toEqual([1, 2, 4, 8, 16, 16, 16].map((k) => k * BUDGET_SPREAD_SECONDS));
  });

  it("spreads evenly: a thousand messages refused at once do not come back in the same second", () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const seconds = new Set(Array.from({ length: 1000 }, () => budgetDelaySeconds(20, 1, random)));
    expect(seconds.size).toBeGreaterThan(50);
    expect(Math.min(...seconds)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...seconds)).toBeLessThanOrEqual(20 + BUDGET_SPREAD_SECONDS);
  });

  it("stays within the queue's 12-hour limit", () => {
    expect(budgetDelaySeconds(MAX_QUEUE_DELAY_SECONDS - 5, 3, () => 0.9)).toBe(MAX_QUEUE_DELAY_SECONDS);
  });
});
