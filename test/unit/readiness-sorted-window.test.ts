import { describe, expect, it } from "vitest";
import { SortedWindow } from "../../workers/readiness/sorted-window";
import { medianDistanceFromMedian, medianOfSorted } from "../../workers/readiness/stats";
import { seededRandom } from "./readiness-scenario";

/** Whole-bpm-like values with many ties, and NaN for the days without a valid value. */
function dailyValues(length: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length }, () => (random() < 0.25 ? NaN : 45 + Math.floor(random() * 15)));
}

function sortedValid(values: Float64Array, from: number, to: number): number[] {
  return Array.from(values.subarray(from, to)).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
}

describe("sorted baseline window", () => {
  it("holds exactly the sorted valid values of each range, moved forward, backward, resized or far", () => {
    const values = dailyValues(400, 7);
    const window = new SortedWindow(values);
    const random = seededRandom(8);
    let from = 0;
    for (let step = 0; step < 2000; step++) {
      const r = random();
      if (r < 0.6) from += 1;
      else if (r < 0.75) from -= 1 + Math.floor(random() * 3);
      else if (r < 0.9) from += 2 + Math.floor(random() * 10);
      else from = Math.floor(random() * 340);
      from = Math.min(Math.max(from, 0), 340);
      const to = from + (random() < 0.9 ? 60 : Math.floor(random() * 61));
      expect(Array.from(window.sortedIn(from, to))).toEqual(sortedValid(values, from, to));
    }
  });
});

describe("median distance from the median", () => {
  it("equals the median of |v − median| taken by sorting the distances", () => {
    const random = seededRandom(9);
    for (let trial = 0; trial < 500; trial++) {
      const length = 1 + Math.floor(random() * 70);
      const ties = random() < 0.5;
      const values = Array.from({ length }, () => (ties ? Math.floor(random() * 8) : Math.log(20 + random() * 80)));
      const sorted = Float64Array.from(values).sort();
      const center = medianOfSorted(sorted);
      expect(medianDistanceFromMedian(sorted, center)).toBe(medianOfSorted(Float64Array.from(values, (v) => Math.abs(v - center)).sort()));
    }
  });
});
