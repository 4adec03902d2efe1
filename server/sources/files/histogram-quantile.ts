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
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...input].sort((a, b) => a.le - b.le);
  // merge buckets with the same bound (`le="1"` and `le="1.0"` from two exporters)
  const buckets: Bucket[] = [];
  for (const b of sorted) {
    const last = buckets[buckets.length - 1];
    if (last && last.le === b.le) last.value += b.value;
    else buckets.push({ ...b });
  }
  if (buckets.length < 2) return NaN;
  const top = buckets[buckets.length - 1]!;
  if (top.le !== Infinity) return NaN;
  for (let i = 1; i < buckets.length; i++) if (buckets[i]!.value < buckets[i - 1]!.value) buckets[i]!.value = buckets[i - 1]!.value;
  const observations = top.value;
  if (!(observations > 0)) return NaN;
  let rank = q * observations;
  let b = buckets.findIndex((x) => x.value >= rank);
  if (b < 0) b = buckets.length - 1;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.le;
  if (b === 0 && buckets[0]!.le <= 0) return buckets[0]!.le;
  let start = 0;
  const end = buckets[b]!.le;
  let count = buckets[b]!.value;
  if (b > 0) {
    start = buckets[b - 1]!.le;
    count -= buckets[b - 1]!.value;
    rank -= buckets[b - 1]!.value;
  }
  return count === 0 ? start : start + (end - start) * (rank / count);
}
