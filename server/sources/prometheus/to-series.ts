/** A `query_range` matrix, checked series by series, into normalised `Series`. */
import { z } from 'zod';
import { JOB_COMPONENTS, type Series } from '../../../correlators/signals/index.js';
import type { PromQuery } from './promql.js';

export const rawMatrixSeriesSchema = z.object({
  metric: z.record(z.string(), z.string()),
  values: z.array(z.tuple([z.number(), z.string()])),
});
export type RawMatrixSeries = z.infer<typeof rawMatrixSeriesSchema>;

export interface SeriesLabelOptions {
  sourceId: string;
  /** Subtracted from every evaluation time: how old, on average, the sample it read is (see `sampleLagMs`). */
  sampleLagMs?: number;
  hostLabels: readonly string[];
  jobLabel: string;
  rename: Readonly<Record<string, string>>;
}

/** `cp-1:2381` -> `cp-1`, `[::1]:9100` -> `::1`, `worker-2` unchanged (as `hostFromLabels` does for `instance`). */
export function stripPort(value: string): string {
  const m = /^\[?([^\]]+?)\]?(?::\d+)?$/.exec(value);
  return m?.[1] ?? value;
}

/** Prometheus writes non-finite samples as `NaN`, `+Inf`, `-Inf`. */
export function parseSampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

export function labelSetText(labels: Record<string, string>): string {
  return `{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

/**
 * Point times: the sample's time when known, else the evaluation time minus `fallbackLagMs` (the
 * sample's expected age). Evaluations that read a sample already used (a step finer than the scrape
 * interval, scrape jitter, a stale target kept by the lookback) are dropped: one point per sample.
 */
export function stampPoints(evalMs: readonly number[], values: readonly number[], times: ReadonlyMap<number, number> | undefined, fallbackLagMs: number): { t: number[]; v: number[] } {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < evalMs.length; i++) {
    const at = times?.get(evalMs[i]!) ?? evalMs[i]! - fallbackLagMs;
    if (t.length > 0 && at <= t[t.length - 1]!) continue;
    t.push(at);
    v.push(values[i]!);
  }
  return { t, v };
}

/**
 * One checked matrix series into a Series of `query.id`; host and component from its labels; each
 * point at its sample's time from `times` (evaluation ms -> sample ms), else `sampleLagMs` early.
 */
export function buildSeries(query: PromQuery, raw: RawMatrixSeries, o: SeriesLabelOptions, times?: ReadonlyMap<number, number>): Series {
  const m = raw.metric;
  let host: string | undefined;
  for (const l of o.hostLabels) {
    const v = m[l];
    if (v) { host = stripPort(v); break; }
  }
  const job = m[o.jobLabel];
  const labels: Record<string, string> = {};
  for (const b of query.by) {
    const v = m[o.rename[b] ?? b];
    if (v !== undefined && v !== '') labels[b] = v;
  }
  const points = stampPoints(
    raw.values.map((p) => Math.round(p[0] * 1000)),
    raw.values.map((p) => parseSampleValue(p[1])),
    times,
    o.sampleLagMs ?? 0,
  );
  const s: Series = {
    sourceId: o.sourceId,
    metric: query.id,
    component: (job !== undefined ? JOB_COMPONENTS[job] : undefined) ?? query.component,
    labels,
    origin: `${query.promql} ${labelSetText(m)}`,
    t: points.t,
    v: points.v,
  };
  if (host !== undefined) s.host = host;
  return s;
}
