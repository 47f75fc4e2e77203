// The many-date path must give exactly what the model gave before it was made faster, and exactly
// what each date scored alone gives. Each digest is the SHA-256 of JSON.stringify of
// computeReadinessSeries(rows, dates) for its scenario, taken from the plain per-date implementation
// (workers/readiness as of commit 2096881) before the series path was optimized. A changed digest
// means stored snapshots would change: that calls for a new algorithm_version, not a new digest.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { computeReadiness, computeReadinessSeries } from "../../workers/readiness";
import { SCENARIOS } from "./readiness-series-scenarios";

const GOLDEN_SHA256: Record<keyof typeof SCENARIOS, string> = {
  oura_gaps_and_outliers: "e8243c04fbe92666df25fa80a4ccd40d1c833a1538accd3be6c4ec65f9b31140",
  switching_sources: "2057e9e604d3020c2ff4e5fd881b400959ff3ae1482fd8b7d64752664ac6807a",
  apple_sdnn_only: "eea061b0d5c40343d3a1658eae83ef6a3e294fdea50a92063ea88f9ac527d7ba",
  mixed_metrics_and_duplicates: "f9f5bca58612f37e48252f3133b2e5523bc5b1903aff69b1400e9a1c4d726fd2",
  sparse_wearer: "7565b59ac6b6baf5b4a520c0ac18eb64f2c465b303e54b0a35018b846ff05907",
};

function sha256(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

describe("readiness series equivalence", () => {
  for (const [name, build] of Object.entries(SCENARIOS)) {
    it(`${name}: matches the digest taken before the series path was optimized`, () => {
      const { rows, dates } = build();
      expect(sha256(computeReadinessSeries(rows, dates))).toBe(GOLDEN_SHA256[name]);
    });

    it(`${name}: equals every date scored on its own, and scores some dates but not all`, () => {
      const { rows, dates } = build();
      const series = computeReadinessSeries(rows, dates);
      expect(JSON.stringify(series)).toBe(JSON.stringify(dates.map((date) => computeReadiness(rows, date))));
      expect(series.some((r) => r.score !== null)).toBe(true);
      expect(series.some((r) => r.level === "insufficient_data")).toBe(true);
    });
  }
});
