// The many-date path must give exactly what the model gave before it was made faster, and exactly
// what each date scored alone gives. Each digest is the SHA-256 of JSON.stringify of
// computeReadinessSeries(rows, dates) for its scenario, taken from the plain per-date implementation
// (workers/readiness as of commit 2096881) before the series path was optimized, and taken again
// when readiness-1.1.0 added the acute HRV term (the series path unchanged, the model changed). A
// changed digest means stored snapshots would change: that calls for a new algorithm_version, not a
// new digest.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { computeReadiness, computeReadinessSeries } from "../../workers/readiness";
import { SCENARIOS } from "./readiness-series-scenarios";

/** Digests under readiness-1.1.0 (those of readiness-1.0.0 are in this file's history). */
const GOLDEN_SHA256: Record<keyof typeof SCENARIOS, string> = {
  oura_gaps_and_outliers: "41de4f549c1ca80151236e8607c19dc14bc20e734ae46118fee746bf1b0cc775",
  switching_sources: "460988e5055de201bd9ddd733d01cf57ba9c1606a7f95440f4ff1be354304977",
  apple_sdnn_only: "e059f6792abadcfda4918c433aef94882651f77e52f22058d404a3be96aec213",
  mixed_metrics_and_duplicates: "91bb089ee7897afa611969ce9495a686301de6273bec0e5a65684d29ca450e7b",
  sparse_wearer: "4505471b9db8c644f135525b726b9653f31dd8b0c07bd9a5073306f556bd8255",
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
