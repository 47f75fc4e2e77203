// The valid values of one daily series over a day range, kept sorted while the range moves. A series
// of dates moves each baseline window a day at a time; updating the sorted values by the day that
// leaves and the day that enters replaces a sort of up to 60 values per date and metric.

/** A move by more days than this rebuilds the window with one sort, which is cheaper by then. */
const MAX_INCREMENTAL_DAYS = 8;

export class SortedWindow {
  private readonly sorted: Float64Array;
  private size = 0;
  /** The index range [from, to) of `values` whose valid entries `sorted` holds. */
  private from = 0;
  private to = 0;

  /** `values`: one entry per day, NaN where the day holds no valid value. */
  constructor(private readonly values: Float64Array) {
    this.sorted = new Float64Array(values.length);
  }

  /** The valid values of values[from, to), ascending. The view is overwritten by the next call. */
  sortedIn(from: number, to: number): Float64Array {
    const overlaps = from < this.to && to > this.from;
    if (!overlaps || Math.abs(from - this.from) + Math.abs(to - this.to) > MAX_INCREMENTAL_DAYS) {
      this.rebuild(from, to);
    } else {
      for (let i = this.from; i < from; i++) this.remove(this.values[i]!);
      for (let i = from; i < this.from; i++) this.insert(this.values[i]!);
      for (let i = to; i < this.to; i++) this.remove(this.values[i]!);
      for (let i = this.to; i < to; i++) this.insert(this.values[i]!);
      this.from = from;
      this.to = to;
    }
    return this.sorted.subarray(0, this.size);
  }

  private rebuild(from: number, to: number): void {
    let size = 0;
    for (let i = from; i < to; i++) {
      const v = this.values[i]!;
      if (!Number.isNaN(v)) this.sorted[size++] = v;
    }
    this.sorted.subarray(0, size).sort();
    this.size = size;
    this.from = from;
    this.to = to;
  }

  private insert(v: number): void {
    if (Number.isNaN(v)) return;
    const at = this.firstIndexAbove(v);
    this.sorted.copyWithin(at + 1, at, this.size);
    this.sorted[at] = v;
    this.size++;
  }

  /** Removes one entry equal to v; the window holds one, as v is a value of a day leaving it. */
  private remove(v: number): void {
    if (Number.isNaN(v)) return;
    const at = this.firstIndexAbove(v) - 1;
    this.sorted.copyWithin(at, at + 1, this.size);
    this.size--;
  }

  private firstIndexAbove(v: number): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.sorted[mid]! <= v) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
