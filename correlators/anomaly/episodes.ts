/**
 * Anomaly episodes on series: runs of points past a rule's absolute threshold AND its factor over
 * the window's own baseline. The baseline is the series' 35th percentile (robust to an incident
 * that covers up to half the window); the dose is how far the peak goes toward `severe`.
 */
import { DateTime } from 'luxon';
import type { Series } from '../signals/index.js';
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

export function detectEpisodes(s: Series, rule: SeriesRule, offsetMs: number, idPrefix: string): Observation[] {
  const finite = s.v.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (finite.length < 3) return [];
  const up = rule.direction === 'up';
  // the normal level: a low quantile for "too high" rules, a high one for "too low" rules, so an
  // incident covering up to two thirds of the window does not drag the baseline along
  const baseline = quantile(finite, up ? 0.35 : 0.65);
  let limit = rule.threshold;
  if (rule.factor > 0 && Number.isFinite(baseline)) limit = up ? Math.max(limit, baseline * rule.factor) : Math.min(limit, baseline / rule.factor);
  const past = (v: number) => Number.isFinite(v) && (up ? v > limit : v < limit);
  const step = stepOf(s.t);
  const out: Observation[] = [];
  let i = 0;
  while (i < s.t.length) {
    if (!past(s.v[i]!)) {
      i++;
      continue;
    }
    // extend the run, tolerating one quiet point (spiky series)
    let j = i;
    let last = i;
    while (j + 1 < s.t.length && (past(s.v[j + 1]!) || (j + 2 < s.t.length && past(s.v[j + 2]!) && s.t[j + 2]! - s.t[last]! <= 3 * step))) {
      j++;
      if (past(s.v[j]!)) last = j;
    }
    const idx: number[] = [];
    for (let k = i; k <= last; k++) if (past(s.v[k]!)) idx.push(k);
    if (idx.length >= rule.minPoints) {
      let peakK = idx[0]!;
      for (const k of idx) if (up ? s.v[k]! > s.v[peakK]! : s.v[k]! < s.v[peakK]!) peakK = k;
      const peak = s.v[peakK]!;
      const span = up ? rule.severe - limit : limit - rule.severe;
      const reach = span > 0 ? Math.min(1, Math.max(0, (up ? peak - limit : limit - peak) / span)) : 1;
      const sustain = Math.min(1, idx.length / 8);
      const strength = Math.min(1, 0.25 + 0.5 * reach + 0.25 * sustain);
      // walk back along a ramp to where the series left its normal band (a leak, a filling disk):
      // the cause began there, not where the alert threshold happened to be crossed
      const band = baseline + (limit - baseline) * 0.2;
      let k0 = i;
      while (k0 > 0 && Number.isFinite(s.v[k0 - 1]!) && (up ? s.v[k0 - 1]! > band : s.v[k0 - 1]! < band) && s.t[i]! - s.t[k0 - 1]! <= 30 * 60_000) k0--;
      // a point summarises the interval before it (rates, quantiles over the scrape interval)
      const startMs = s.t[k0]! - step / 2 + offsetMs;
      const host = s.host;
      const where = host ? ` on ${host}` : '';
      const obs: Observation = {
        id: `${idPrefix}-${out.length}`,
        key: rule.key,
        component: s.component,
        startMs,
        endMs: s.t[last]! + offsetMs,
        peakMs: s.t[peakK]! + offsetMs,
        peak,
        unit: rule.unit,
        baseline,
        threshold: limit,
        count: idx.length,
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

export function detectSeriesObservations(series: Series[], rules: readonly SeriesRule[], offsetOf: (sourceId: string) => number): Observation[] {
  const out: Observation[] = [];
  let n = 0;
  for (const s of series) {
    for (const rule of rules) {
      if (rule.metric !== s.metric) continue;
      if (rule.match && !Object.entries(rule.match).every(([k, v]) => s.labels[k] === v)) continue;
      out.push(...detectEpisodes(s, rule, offsetOf(s.sourceId), `s${n++}`));
    }
  }
  return out;
}
