// Public API of the readiness model: pure functions over daily rows, no I/O.
export { computeReadiness, computeReadinessSeries } from "./compute";
export { ALGORITHM_VERSION } from "./constants";
export { levelForScore } from "./score";
export type {
  BaselineSummary,
  DailyReadinessInput,
  HrvComponent,
  HrvMetric,
  MetricBaselineSummary,
  ReadinessComponents,
  ReadinessLevel,
  ReadinessResult,
  RestingHrComponent,
  SleepComponent,
  Source,
} from "./types";
