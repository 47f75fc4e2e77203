// Small statistics over plain number arrays. Callers pass only finite values.

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function sampleSd(values: readonly number[], valuesMean: number): number {
  if (values.length < 2) return 0;
  let squares = 0;
  for (const v of values) squares += (v - valuesMean) ** 2;
  return Math.sqrt(squares / (values.length - 1));
}

export function median(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  // Adding 0 turns a rounded -0 into 0, which reads better in stored JSON and in comparisons.
  return Math.round(value * factor) / factor + 0;
}
