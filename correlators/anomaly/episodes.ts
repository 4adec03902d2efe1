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

/** Median spacing of the series' timestamps (its scrape/report interval). */
function stepOf(t: number[]): number {
  if (t.length < 2) return 15000;
  const d: number[] = [];
  for (let i = 1; i < Math.min(t.length, 50); i++) d.push(t[i]! - t[i - 1]!);
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

  /** `range`: the count and range of `v`'s finite values when the caller knows them ({@link slid}). */
  constructor(
    private readonly v: readonly number[],
    range?: { count: number; min: number; max: number; minCount: number; maxCount: number },
  ) {
    if (range) {
      ({ count: this.count, min: this.min, max: this.max, minCount: this.minCount, maxCount: this.maxCount } = range);
      return;
    }
    // one pass for the count and range; the values are copied only when a quantile is asked for,
    // which most series never need (they stay clear of their rules' absolute thresholds)
    const r = emptyRange();
    for (let i = 0; i < v.length; i++) arrive(r, v[i]!);
    ({ count: this.count, min: this.min, max: this.max, minCount: this.minCount, maxCount: this.maxCount } = settled(r));
  }

  /**
   * The count and range of `v` from those of `before` (the values of `parent`), when `v[j]` is
   * `parent[drop + j]` for j < keep: only the points that left and arrived are read, unless the
   * last of the smallest or largest values left (then every point is).
   */
  static slid(before: FiniteQuantiles, parent: readonly number[], drop: number, keep: number, v: readonly number[]): FiniteQuantiles {
    const r = { count: before.count, min: before.min, max: before.max, minCount: before.minCount, maxCount: before.maxCount };
    const leave = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const x = parent[i]!;
        if (!Number.isFinite(x)) continue;
        r.count--;
        if (x === r.min) r.minCount--;
        if (x === r.max) r.maxCount--;
      }
    };
    leave(0, drop);
    leave(drop + keep, parent.length);
    if (r.minCount === 0 || r.maxCount === 0) return new FiniteQuantiles(v);
    if (r.count === 0) Object.assign(r, emptyRange());
    for (let i = keep; i < v.length; i++) arrive(r, v[i]!);
    return new FiniteQuantiles(v, settled(r));
  }

  #finiteValues(): Float64Array {
    if (this.values) return this.values;
    const v = this.v;
    const a = new Float64Array(this.count);
    for (let i = 0, j = 0; i < v.length; i++) {
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

export function detectEpisodes(s: Series, rule: SeriesRule, offsetMs: number, idPrefix: string, finite: FiniteQuantiles = new FiniteQuantiles(s.v), step: number = stepOf(s.t)): Observation[] {
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
  const n = t.length;
  // which points are past the limit, decided once: the run search looks at a point up to three times
  const past = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const x = v[k]!;
    if (Number.isFinite(x) && (up ? x > limit : x < limit)) past[k] = 1;
  }
  const out: Observation[] = [];
  let i = 0;
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
      while (k0 > 0 && Number.isFinite(v[k0 - 1]!) && (up ? v[k0 - 1]! > band : v[k0 - 1]! < band) && t[i]! - t[k0 - 1]! <= 30 * 60_000) k0--;
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
 * looks at a series several times (at face value for the clock, then corrected), and a live
 * session sees the same series objects tick after tick. Keyed by the series object: series are
 * never changed in place (a new point or a trimmed window is a new object).
 */
export class EpisodeMemo {
  readonly #bySeries = new WeakMap<Series, MemoEntry>();
  hits = 0;
  misses = 0;
  /** Series whose count and range were updated from an ancestor's (see series-lineage.ts), and those read in full. */
  slid = 0;
  read = 0;

  entry(s: Series): MemoEntry {
    let e = this.#bySeries.get(s);
    if (e) return e;
    const link = linkTo(s, (a) => this.#bySeries.has(a));
    const before = link && this.#bySeries.get(link.parent);
    let finite: FiniteQuantiles;
    if (link && before) {
      finite = FiniteQuantiles.slid(before.finite, link.parent.v, link.drop, link.keep, s.v);
      this.slid++;
    } else {
      finite = new FiniteQuantiles(s.v);
      this.read++;
    }
    e = { finite, step: stepOf(s.t), episodes: new Map() };
    this.#bySeries.set(s, e);
    return e;
  }
}

interface MemoEntry {
  finite: FiniteQuantiles;
  step: number;
  episodes: Map<SeriesRule, Map<number, Observation[]>>;
}

export function detectSeriesObservations(series: Series[], rules: readonly SeriesRule[], offsetOf: (sourceId: string) => number, memo: EpisodeMemo = new EpisodeMemo()): Observation[] {
  const out: Observation[] = [];
  // the rules of each metric, in their order: a series looks at its own, not at every rule
  const byMetric = new Map<string, SeriesRule[]>();
  for (const rule of rules) {
    const list = byMetric.get(rule.metric);
    if (list) list.push(rule);
    else byMetric.set(rule.metric, [rule]);
  }
  let n = 0;
  for (const s of series) {
    const own = byMetric.get(s.metric);
    if (!own) continue;
    for (const rule of own) {
      if (rule.match && !Object.entries(rule.match).every(([k, v]) => s.labels[k] === v)) continue;
      // baseline and step once per series, shared by its rules (and by later calls, through the memo)
      const e = memo.entry(s);
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
      const found = detectEpisodes(s, rule, offsetMs, prefix, e.finite, e.step);
      byOffset.set(offsetMs, found);
      out.push(...found);
    }
  }
  return out;
}
