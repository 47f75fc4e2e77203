// Recompute of readiness for one user's dates: one history query, the pure model, one upsert.
import type { Env } from "../env";

export interface ReadinessSnapshot {
  date: string;
  score: number | null;
  level: "high" | "moderate" | "low" | "insufficient_data";
  confidence: number;
  components: Record<string, unknown>;
  baseline: Record<string, unknown>;
  algorithm_version: string;
  computed_at: string;
}

export async function recomputeReadiness(_env: Env, _userId: string, _dates: string[]): Promise<ReadinessSnapshot[]> {
  return [];
}
