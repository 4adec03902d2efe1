/**
 * Anomaly episodes on series: runs of points past a rule's absolute threshold AND its factor over
 * the window's own baseline. The baseline is the series' 35th percentile (robust to an incident
 * that covers up to half the window); the dose is how far the peak goes toward `severe`.
 */
import { DateTime } from 'luxon';
import { linkTo, type Series } from '../signals/index.js';
import type { Observation, ObservationBasis } from './types.js';
import type { SeriesRule } from './series-rules.js';

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function fmt(v: number, unit: string): string {
  if (unit === 's') return v >= 1 ? `${v.toFixed(2)} s` : `${(v * 1000).toFixed(v < 0.01 ? 2 : 0)} ms`;
  if (unit === 'ratio') return `${(v * 100).toFixed(1)} %`;
  if (unit === 'B') return `${(v / 1e6).toFixed(0)} MB`;
  if (unit === '/s') return `${v.toFixed(3)}/s`;
  return `${Math.round(v * 100) / 100}`;
}

function basisOf(s: Series): ObservationBasis {
  if (s.metric.startsWith('audit_')) return 'audit';
  if (/iostat/i.test(s.sourceId) || /iostat/.test(s.origin)) return 'iostat';
  return 'metric';
}

/** Median spacing of the timestamps t[lo..hi) (the scrape/report interval). */
function stepOf(t: readonly number[], lo = 0, hi = t.length): number {
  if (hi - lo < 2) return 15000;
  const d: number[] = [];
  for (let i = lo + 1; i < Math.min(hi, lo + 50); i++) d.push(t[i]! - t[i - 1]!);
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)]!;
}

/** Exchanges a[i] and a[j]. */
function swap(a: Float64Array, i: number, j: number): void {
  const x = a[i]!;
  a[i] = a[j]!;
  a[j] = x;
}

/**
 * Moves the k-th smallest of a[0..n) to a[k], smaller ones before it and larger ones after
 * (Hoare's selection with a median-of-three pivot: O(n), duplicates split evenly).
 * @see Press et al., Numerical Recipes in C, 2nd ed., §8.5 `select`
 */
function select(a: Float64Array, k: number): void {
  let l = 0;
  let ir = a.length - 1;
  for (;;) {
    if (ir <= l + 1) {
      if (ir === l + 1 && a[ir]! < a[l]!) swap(a, l, ir);
      return;
    }
    const mid = (l + ir) >> 1;
    swap(a, mid, l + 1);
    if (a[l]! > a[ir]!) swap(a, l, ir);
    if (a[l + 1]! > a[ir]!) swap(a, l + 1, ir);
    if (a[l]! > a[l + 1]!) swap(a, l, l + 1);
    let i = l + 1;
    let j = ir;
    const pivot = a[l + 1]!;
    for (;;) {
      do i++;
      while (a[i]! < pivot);
      do j--;
      while (a[j]! > pivot);
      if (j < i) break;
      swap(a, i, j);
    }
    a[l + 1] = a[j]!;
    a[j] = pivot;
    if (j >= k) ir = j - 1;
    if (j <= k) l = i;
  }
}

/** Values a[from..to). */
type Stretch = readonly [a: readonly number[], from: number, to: number];

/**
 * The points [lo, hi) of a series: a series clipped to a window without copying its points. The
 * analysis keeps one object per series and window while they stay the same, so what was worked
 * out for it is looked up.
 */
export interface SeriesRange {
  series: Series;
  lo: number;
  hi: number;
}

interface FiniteRange {
  count: number;
  min: number;
  max: number;
  minCount: number;
  maxCount: number;
}

function emptyRange(): FiniteRange {
  return { count: 0, min: Infinity, max: -Infinity, minCount: 0, maxCount: 0 };
}

/** Adds a value to a range (not a finite one: nothing). */
function arrive(r: FiniteRange, x: number): void {
  if (!Number.isFinite(x)) return;
  r.count++;
  if (x < r.min) {
    r.min = x;
    r.minCount = 1;
  } else if (x === r.min) r.minCount++;
  if (x > r.max) {
    r.max = x;
    r.maxCount = 1;
  } else if (x === r.max) r.maxCount++;
}

/** The range as kept: NaN bounds when empty, +0 for a zero of either sign (which one came first is of no use). */
function settled(r: FiniteRange): FiniteRange {
  return r.count > 0 ? { ...r, min: r.min + 0, max: r.max + 0 } : { count: 0, min: NaN, max: NaN, minCount: 0, maxCount: 0 };
}

/**
 * {@link quantile} of a series' finite values without sorting them: the two order statistics it
 * interpolates between are selected in O(n). Rules of both directions share one instance.
 */
class FiniteQuantiles {
  private values: Float64Array | undefined;
  private readonly cache = new Map<number, number>();
  readonly count: number;
  /** Smallest and largest finite value (NaN with none; +0 for a zero of either sign). */
  readonly min: number;
  readonly max: number;
  /** How many values are the smallest, and the largest ({@link slid} needs to know when the last one leaves). */
  readonly minCount: number;
  readonly maxCount: number;

  /** The finite values of v[lo..hi); `range`: their count and range when the caller knows them ({@link slid}). */
  constructor(
    private readonly v: readonly number[],
    private readonly lo = 0,
    private readonly hi = v.length,
    range?: FiniteRange,
  ) {
    if (range) {
      ({ count: this.count, min: this.min, max: this.max, minCount: this.minCount, maxCount: this.maxCount } = range);
      return;
    }
    // one pass for the count and range; the values are copied only when a quantile is asked for,
    // which most series never need (they stay clear of their rules' absolute thresholds)
    const r = emptyRange();
    for (let i = lo; i < hi; i++) arrive(r, v[i]!);
    ({ count: this.count, min: this.min, max: this.max, minCount: this.minCount, maxCount: this.maxCount } = settled(r));
  }

  /**
   * The count and range of v[lo..hi) from those of `before`, given the stretches of values that
   * left it and those that arrived: only those are read, unless the last of the smallest or
   * largest values left (then every point is).
   */
  static slid(before: FiniteQuantiles, left: readonly Stretch[], arrived: readonly Stretch[], v: readonly number[], lo: number, hi: number): FiniteQuantiles {
    const r = { count: before.count, min: before.min, max: before.max, minCount: before.minCount, maxCount: before.maxCount };
    for (const [a, from, to] of left) {
      for (let i = from; i < to; i++) {
        const x = a[i]!;
        if (!Number.isFinite(x)) continue;
        r.count--;
        if (x === r.min) r.minCount--;
        if (x === r.max) r.maxCount--;
      }
    }
    if (r.minCount === 0 || r.maxCount === 0) return new FiniteQuantiles(v, lo, hi);
    if (r.count === 0) Object.assign(r, emptyRange());
    for (const [a, from, to] of arrived) for (let i = from; i < to; i++) arrive(r, a[i]!);
    return new FiniteQuantiles(v, lo, hi, settled(r));
  }

  #finiteValues(): Float64Array {
    if (this.values) return this.values;
    const v = this.v;
    const a = new Float64Array(this.count);
    for (let i = this.lo, j = 0; i < this.hi; i++) {
      const x = v[i]!;
      if (Number.isFinite(x)) a[j++] = x;
    }
    return (this.values = a);
  }

  at(q: number): number {
    const hit = this.cache.get(q);
    if (hit !== undefined) return hit;
    const a = this.#finiteValues();
    const pos = (a.length - 1) * q;
    const lo = Math.floor(pos);
    select(a, lo);
    const low = a[lo]!;
    // the next order statistic is the smallest of those after lo
    let high = low;
    if (Math.ceil(pos) > lo) {
      high = Infinity;
      for (let i = lo + 1; i < a.length; i++) if (a[i]! < high) high = a[i]!;
    }
    const value = low + (high - low) * (pos - lo);
    this.cache.set(q, value);
    return value;
  }
}

/** Episodes of a series, or of its points [lo, hi) (a {@link SeriesRange}). */
export function detectEpisodes(of: Series | SeriesRange, rule: SeriesRule, offsetMs: number, idPrefix: string, finite?: FiniteQuantiles, step?: number): Observation[] {
  const { series: s, lo, hi } = 'series' in of ? of : { series: of, lo: 0, hi: of.t.length };
  finite ??= new FiniteQuantiles(s.v, lo, hi);
  step ??= stepOf(s.t, lo, hi);
  if (finite.count < 3) return [];
  const up = rule.direction === 'up';
  // the limit is never below an "up" rule's absolute threshold (nor above a "down" one's): a
  // series that never crosses it has no episode, whatever its baseline
  if (up ? !(finite.max > rule.threshold) : !(finite.min < rule.threshold)) return [];
  // the normal level: a low quantile for "too high" rules, a high one for "too low" rules, so an
  // incident covering up to two thirds of the window does not drag the baseline along
  const baseline = finite.at(up ? 0.35 : 0.65);
  let limit = rule.threshold;
  // the factor keeps a series that is always a little high (a WAN cluster's RTT) quiet, but never
  // past the rule's severe level: past it is bad on any baseline, also when the incident covers
  // most of a short window and drags the baseline up with it
  if (rule.factor > 0 && Number.isFinite(baseline)) {
    limit = up ? Math.max(limit, Math.min(baseline * rule.factor, rule.severe)) : Math.min(limit, Math.max(baseline / rule.factor, rule.severe));
  }
  // the arrays in locals: series objects come in several shapes, and the loop runs over every point
  const t = s.t;
  const v = s.v;
  const n = hi;
  // which points are past the limit, decided once: the run search looks at a point up to three times
  const past = new Uint8Array(n);
  for (let k = lo; k < n; k++) {
    const x = v[k]!;
    if (Number.isFinite(x) && (up ? x > limit : x < limit)) past[k] = 1;
  }
  const out: Observation[] = [];
  let i = lo;
  while (i < n) {
    if (!past[i]) {
      i++;
      continue;
    }
    // extend the run, tolerating one quiet point (spiky series)
    let j = i;
    let last = i;
    while (j + 1 < n && (past[j + 1] || (j + 2 < n && past[j + 2] && t[j + 2]! - t[last]! <= 3 * step))) {
      j++;
      if (past[j]) last = j;
    }
    // the points past the limit in the run, and the first of the most extreme
    let count = 0;
    let peakK = i;
    for (let k = i; k <= last; k++) {
      if (!past[k]) continue;
      count++;
      if (up ? v[k]! > v[peakK]! : v[k]! < v[peakK]!) peakK = k;
    }
    if (count >= rule.minPoints) {
      const peak = v[peakK]!;
      const span = up ? rule.severe - limit : limit - rule.severe;
      const reach = span > 0 ? Math.min(1, Math.max(0, (up ? peak - limit : limit - peak) / span)) : 1;
      const sustain = Math.min(1, count / 8);
      const strength = Math.min(1, 0.25 + 0.5 * reach + 0.25 * sustain);
      // walk back along a ramp to where the series left its normal band (a leak, a filling disk):
      // the cause began there, not where the alert threshold happened to be crossed
      const band = baseline + (limit - baseline) * 0.2;
      let k0 = i;
      while (k0 > lo && Number.isFinite(v[k0 - 1]!) && (up ? v[k0 - 1]! > band : v[k0 - 1]! < band) && t[i]! - t[k0 - 1]! <= 30 * 60_000) k0--;
      // a point summarises the interval before it (rates, quantiles over the scrape interval)
      const startMs = s.t[k0]! - step / 2 + offsetMs;
      const host = s.host;
      const where = host ? ` on ${host}` : '';
      const obs: Observation = {
        id: `${idPrefix}-${out.length}`,
        key: rule.key,
        component: s.component,
        metric: s.metric,
        startMs,
        endMs: s.t[last]! + offsetMs,
        peakMs: s.t[peakK]! + offsetMs,
        peak,
        unit: rule.unit,
        baseline,
        threshold: limit,
        count,
        strength,
        basis: basisOf(s),
        sourceId: s.sourceId,
        detail: `${rule.label} ${fmt(peak, rule.unit)}${where} (threshold ${fmt(limit, rule.unit)}, window baseline ${fmt(baseline, rule.unit)}; ${rule.source})`,
        evidence: [
          {
            sourceId: s.sourceId,
            series: s.origin,
            atMs: s.t[peakK]!,
            text: `${rule.label}${where} = ${fmt(peak, rule.unit)} at peak; first past ${fmt(limit, rule.unit)} at ${DateTime.fromMillis(s.t[i]!, { zone: 'utc' }).toISO({ suppressMilliseconds: true })}`,
            ...(s.file ? { file: s.file } : {}),
          },
        ],
        tags: Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, [v]])),
      };
      if (host !== undefined) obs.host = host;
      out.push(obs);
    }
    i = last + 1;
  }
  return out;
}

/**
 * What detection learnt about series it has seen, kept by the caller across calls: one analysis
 * looks at a series several times (whole at face value for the clock, then its window corrected),
 * and a live session sees the same series objects tick after tick. Keyed by range object (series
 * are never changed in place: a new point or a trimmed head is a new object). A new range's count
 * and extremes come from a known range that shares most of its points: of the same series, or of
 * the series it was made from (series-lineage.ts).
 */
export class EpisodeMemo {
  readonly #byRange = new WeakMap<SeriesRange, MemoEntry>();
  /** Per series, the ranges of it that have an entry (newest last, a few). */
  readonly #rangesOf = new WeakMap<Series, SeriesRange[]>();
  /** The whole of each series, as one range object. */
  readonly #whole = new WeakMap<Series, SeriesRange>();
  hits = 0;
  misses = 0;
  /** Ranges whose count and extremes were updated from another's (the same series' or an ancestor's: series-lineage.ts), and those read in full. */
  slid = 0;
  read = 0;

  /** All of `s`, the same range object each time. */
  whole(s: Series): SeriesRange {
    let r = this.#whole.get(s);
    if (!r) this.#whole.set(s, (r = { series: s, lo: 0, hi: s.t.length }));
    return r;
  }

  entry(r: SeriesRange): MemoEntry {
    let e = this.#byRange.get(r);
    if (e) return e;
    const s = r.series;
    const slid = this.#slide(r);
    if (!slid) this.read++;
    e = { finite: slid ?? new FiniteQuantiles(s.v, r.lo, r.hi), step: stepOf(s.t, r.lo, r.hi), episodes: new Map() };
    this.#byRange.set(r, e);
    let ranges = this.#rangesOf.get(s);
    if (!ranges) this.#rangesOf.set(s, (ranges = []));
    ranges.push(r);
    if (ranges.length > 4) ranges.shift();
    return e;
  }

  /**
   * The count and extremes of `r` from a range already worked out that shares most of its points:
   * another range of the same series, or one of the ancestor it was made from. Undefined when none
   * shares more points than it would cost to read `r` afresh.
   */
  #slide(r: SeriesRange): FiniteQuantiles | undefined {
    const s = r.series;
    const candidates: { parent: Series; drop: number; keep: number }[] = [{ parent: s, drop: 0, keep: s.t.length }];
    const up = linkTo(s, (a) => this.#rangesOf.has(a));
    if (up) candidates.push(up);
    let best: { cost: number; before: MemoEntry; left: Stretch[]; arrived: Stretch[] } | undefined;
    for (const { parent, drop, keep } of candidates) {
      for (const p of this.#rangesOf.get(parent) ?? []) {
        // s[j] = parent[drop + j] for j < keep: the points both ranges hold, in the parent's indexes
        const kLo = Math.max(p.lo, drop + r.lo);
        const kHi = Math.min(p.hi, drop + Math.min(r.hi, keep));
        if (kHi <= kLo) continue;
        const cost = kLo - p.lo + (p.hi - kHi) + (kLo - drop - r.lo) + (r.hi - (kHi - drop));
        if (best && cost >= best.cost) continue;
        const left: Stretch[] = [[parent.v, p.lo, kLo], [parent.v, kHi, p.hi]];
        const arrived: Stretch[] = [[s.v, r.lo, kLo - drop], [s.v, kHi - drop, r.hi]];
        best = { cost, before: this.#byRange.get(p)!, left, arrived };
      }
    }
    if (!best || best.cost >= r.hi - r.lo) return undefined;
    this.slid++;
    return FiniteQuantiles.slid(best.before.finite, best.left, best.arrived, s.v, r.lo, r.hi);
  }
}

interface MemoEntry {
  finite: FiniteQuantiles;
  step: number;
  episodes: Map<SeriesRule, Map<number, Observation[]>>;
}

/** Episodes of each series (or range of one: the points of a window) under the rules of its metric. */
export function detectSeriesObservations(series: readonly (Series | SeriesRange)[], rules: readonly SeriesRule[], offsetOf: (sourceId: string) => number, memo: EpisodeMemo = new EpisodeMemo()): Observation[] {
  const out: Observation[] = [];
  // the rules of each metric, in their order: a series looks at its own, not at every rule
  const byMetric = new Map<string, SeriesRule[]>();
  for (const rule of rules) {
    const list = byMetric.get(rule.metric);
    if (list) list.push(rule);
    else byMetric.set(rule.metric, [rule]);
  }
  let n = 0;
  for (const item of series) {
    const r = 'series' in item ? item : memo.whole(item);
    const s = r.series;
    const own = byMetric.get(s.metric);
    if (!own) continue;
    for (const rule of own) {
      if (rule.match && !Object.entries(rule.match).every(([k, v]) => s.labels[k] === v)) continue;
      // baseline and step once per range, shared by its rules (and by later calls, through the memo)
      const e = memo.entry(r);
      const offsetMs = offsetOf(s.sourceId);
      const prefix = `s${n++}`;
      let byOffset = e.episodes.get(rule);
      if (!byOffset) e.episodes.set(rule, (byOffset = new Map()));
      const known = byOffset.get(offsetMs);
      if (known) {
        memo.hits++;
        for (let k = 0; k < known.length; k++) out.push({ ...known[k]!, id: `${prefix}-${k}` });
        continue;
      }
      memo.misses++;
      const found = detectEpisodes(r, rule, offsetMs, prefix, e.finite, e.step);
      byOffset.set(offsetMs, found);
      out.push(...found);
    }
  }
  return out;
}
