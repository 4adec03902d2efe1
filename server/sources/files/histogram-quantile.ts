/**
 * Prometheus `histogram_quantile` over cumulative bucket values (counts or rates), with its rules:
 * linear interpolation inside the bucket, 0 as the lower bound of the first bucket when its upper
 * bound is positive, the +Inf bucket required, a rank falling in +Inf answered with the largest
 * finite bound, non-monotonic buckets (scrape races) made monotonic, equal bounds merged.
 * @see https://github.com/prometheus/prometheus/blob/main/promql/quantile.go (bucketQuantile)
 */

export interface Bucket {
  le: number;
  value: number;
}

export function histogramQuantile(q: number, input: readonly Bucket[]): number {
  const sorted = [...input].sort((a, b) => a.le - b.le);
  // merge buckets with the same bound (`le="1"` and `le="1.0"` from two exporters)
  const les: number[] = [];
  const values: number[] = [];
  for (const b of sorted) {
    const n = les.length;
    if (n > 0 && les[n - 1] === b.le) values[n - 1]! += b.value;
    else {
      les.push(b.le);
      values.push(b.value);
    }
  }
  return quantileOfSorted(q, les, values, les.length);
}

/**
 * {@link histogramQuantile} over the first `n` buckets given as bounds in ascending order, no two
 * equal, and their values (made monotonic in place): for callers that sort the bounds once.
 */
export function quantileOfSorted(q: number, les: readonly number[], values: number[], n: number): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (n < 2) return NaN;
  if (les[n - 1] !== Infinity) return NaN;
  for (let i = 1; i < n; i++) if (values[i]! < values[i - 1]!) values[i] = values[i - 1]!;
  const observations = values[n - 1]!;
  if (!(observations > 0)) return NaN;
  let rank = q * observations;
  let b = 0;
  while (b < n && !(values[b]! >= rank)) b++;
  if (b === n) b = n - 1;
  if (b === n - 1) return les[n - 2]!;
  if (b === 0 && les[0]! <= 0) return les[0]!;
  let start = 0;
  const end = les[b]!;
  let count = values[b]!;
  if (b > 0) {
    start = les[b - 1]!;
    count -= values[b - 1]!;
    rank -= values[b - 1]!;
  }
  return count === 0 ? start : start + (end - start) * (rank / count);
}
