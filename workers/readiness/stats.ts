// Small statistics over arrays of finite values. Sums run in array order, so that every caller
// (a single date or a series) gets bit-identical results.

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** The median of values sorted ascending. */
export function medianOfSorted(sorted: ArrayLike<number>): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The median of |v − center| over values sorted ascending, where center is their median. The
 * distances grow outward from the middle on both sides, so merging the two sides finds the median
 * distance without building and sorting a second array. (center − v equals |v − center| exactly
 * for v ≤ center: IEEE subtraction rounds symmetrically.)
 */
export function medianDistanceFromMedian(sorted: ArrayLike<number>, center: number): number {
  const n = sorted.length;
  const mid = n >> 1;
  // The median lies between sorted[mid − 1] and sorted[mid]: everything left of mid is ≤ center.
  let below = mid - 1;
  let above = mid;
  let previous = 0;
  let current = 0;
  for (let k = 0; k <= mid; k++) {
    previous = current;
    if (above < n && (below < 0 || sorted[above]! - center <= center - sorted[below]!)) current = sorted[above++]! - center;
    else current = center - sorted[below--]!;
  }
  return n % 2 === 1 ? current : (previous + current) / 2;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  // Adding 0 turns a rounded -0 into 0, which reads better in stored JSON and in comparisons.
  return Math.round(value * factor) / factor + 0;
}
