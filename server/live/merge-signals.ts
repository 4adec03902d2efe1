/**
 * Pure merging and trimming of signal parts for the sliding window: the series and audit
 * aggregates of a file's successive generations (or a polled server's successive ranges) become
 * one series / one aggregate per identity, and what falls out of the window is cut off.
 */
import { firstIndex } from '../../correlators/search.js';
import { sliceSeries, type AuditAggregate, type AuditSample, type Series, type SourceReport } from '../../correlators/signals/index.js';

/** Samples kept per merged aggregate (the newest), as the file source's cap. */
const MAX_SAMPLES = 3000;
const TOP_USER_AGENTS = 20;
const MAX_BAD_SAMPLES = 20;

export function seriesKey(s: Series): string {
  return `${s.sourceId}\u0000${s.metric}\u0000${s.component}\u0000${s.host ?? ''}\u0000${JSON.stringify(s.labels)}`;
}

/**
 * Joins parts of the same series (in order: a later part wins a timestamp both have) into one
 * series per identity, points ascending.
 */
export function mergeSeriesParts(parts: readonly (readonly Series[])[]): Series[] {
  const byKey = new Map<string, { head: Series; points: Map<number, number> }>();
  for (const part of parts) {
    for (const s of part) {
      const key = seriesKey(s);
      let m = byKey.get(key);
      if (!m) {
        m = { head: s, points: new Map() };
        byKey.set(key, m);
      }
      for (let i = 0; i < s.t.length; i++) m.points.set(s.t[i]!, s.v[i]!);
    }
  }
  const out: Series[] = [];
  for (const { head, points } of byKey.values()) {
    const t = [...points.keys()].sort((a, b) => a - b);
    out.push({ ...head, t, v: t.map((x) => points.get(x)!) });
  }
  return out;
}

/**
 * Parts that only add later points to earlier ones (a polled range after what was kept) make
 * each series the earlier one with points appended, without a map of every point: as
 * {@link mergeSeriesParts}, which does the rest (a range that overlaps, a series seen twice).
 */
export function appendSeriesParts(kept: readonly Series[], fresh: readonly Series[]): Series[] {
  const byKey = new Map<string, Series>();
  for (const s of fresh) {
    const key = seriesKey(s);
    if (byKey.has(key) || !ascending(s.t)) return mergeSeriesParts([kept, fresh]);
    byKey.set(key, s);
  }
  const out: Series[] = [];
  const keptKeys = new Set<string>();
  for (const s of kept) {
    const key = seriesKey(s);
    if (keptKeys.has(key) || !ascending(s.t)) return mergeSeriesParts([kept, fresh]);
    keptKeys.add(key);
    const more = byKey.get(key);
    if (!more) out.push(s);
    else if (s.t.length === 0 || more.t.length === 0 || more.t[0]! > s.t[s.t.length - 1]!) out.push({ ...s, t: s.t.concat(more.t), v: s.v.concat(more.v) });
    else return mergeSeriesParts([kept, fresh]);
  }
  for (const [key, s] of byKey) if (!keptKeys.has(key)) out.push(s);
  return out;
}

/** Strictly ascending times (no point to merge within the series). */
function ascending(t: readonly number[]): boolean {
  for (let i = 1; i < t.length; i++) if (!(t[i]! > t[i - 1]!)) return false;
  return true;
}

/**
 * The series without its points before `fromMs`; undefined when none is left. `linked`: made by
 * sliceSeries, so the analysis knows which points it kept (series-lineage.ts). Only for series
 * the analysis sees: a link holds its parent until the analysis settles it.
 */
export function trimSeries(s: Series, fromMs: number, linked = false): Series | undefined {
  const i = lowerBound(s.t, fromMs);
  if (i === 0) return s;
  if (i >= s.t.length) return undefined;
  return linked ? sliceSeries(s, i, s.t.length) : { ...s, t: s.t.slice(i), v: s.v.slice(i) };
}

/** First index whose value is >= x in an ascending array. */
export function lowerBound(a: readonly number[], x: number): number {
  return firstIndex(a.length, (i) => a[i]! >= x);
}

/**
 * One aggregate per source and host from several, re-bucketed onto the coarsest step: counts add
 * up exactly (each request was folded into exactly one part). Latency quantiles of parts that
 * share a bucket cannot be merged exactly from quantiles: the p99 is the largest of them (an
 * upper bound) and the p50 their request-weighted mean. Parts meet only at generation edges.
 */
export function mergeAuditAggregates(aggs: readonly AuditAggregate[]): AuditAggregate[] {
  const groups = new Map<string, AuditAggregate[]>();
  for (const a of aggs) {
    const key = `${a.sourceId}\u0000${a.host ?? ''}`;
    const g = groups.get(key);
    if (g) g.push(a);
    else groups.set(key, [a]);
  }
  return [...groups.values()].map((g) => (g.length === 1 ? g[0]! : mergeGroup(g)));
}

function mergeGroup(parts: AuditAggregate[]): AuditAggregate {
  const stepMs = Math.max(...parts.map((p) => p.stepMs));
  const fromMs = Math.floor(Math.min(...parts.map((p) => p.fromMs)) / stepMs) * stepMs;
  const endMs = Math.max(...parts.map((p) => p.fromMs + p.total.length * p.stepMs));
  const n = Math.max(1, Math.ceil((endMs - fromMs) / stepMs));
  const total = new Array<number>(n).fill(0);
  const byVerb: Record<string, number[]> = {};
  const byCode: Record<string, number[]> = {};
  const p99 = new Array<number>(n).fill(Number.NaN);
  const p50Sum = new Array<number>(n).fill(0);
  const p50Weight = new Array<number>(n).fill(0);
  const agents = new Map<string, AuditAggregate['topUserAgents'][number]>();
  const annotations: Record<string, number> = {};
  let samples: AuditSample[] = [];
  let samplesDropped = 0;
  for (const p of parts) {
    const bucketOf = (b: number): number => Math.floor((p.fromMs + b * p.stepMs - fromMs) / stepMs);
    for (let b = 0; b < p.total.length; b++) {
      const ob = bucketOf(b);
      const count = p.total[b] ?? 0;
      total[ob]! += count;
      const q99 = p.latencyP99Ms[b];
      if (q99 !== undefined && Number.isFinite(q99) && !(p99[ob]! >= q99)) p99[ob] = q99;
      const q50 = p.latencyP50Ms[b];
      if (q50 !== undefined && Number.isFinite(q50)) {
        const w = Math.max(1, count);
        p50Sum[ob]! += q50 * w;
        p50Weight[ob]! += w;
      }
    }
    addKeyed(byVerb, p.byVerb, n, bucketOf);
    addKeyed(byCode, p.byCode, n, bucketOf);
    for (const ua of p.topUserAgents) {
      const mine = agents.get(ua.userAgent);
      if (!mine) agents.set(ua.userAgent, { ...ua });
      else {
        mine.requests += ua.requests;
        mine.errors += ua.errors;
        mine.throttled += ua.throttled;
        mine.firstMs = Math.min(mine.firstMs, ua.firstMs);
      }
    }
    for (const [k, v] of Object.entries(p.latencyAnnotations)) annotations[k] = (annotations[k] ?? 0) + v;
    samples = samples.concat(p.samples);
    samplesDropped += p.samplesDropped;
  }
  samples.sort((a, b) => a.atMs - b.atMs);
  if (samples.length > MAX_SAMPLES) {
    samplesDropped += samples.length - MAX_SAMPLES;
    samples = samples.slice(samples.length - MAX_SAMPLES);
  }
  const first = parts[0]!;
  const out: AuditAggregate = {
    sourceId: first.sourceId,
    fromMs,
    stepMs,
    total,
    byVerb,
    byCode,
    latencyP50Ms: p50Sum.map((s, i) => (p50Weight[i]! > 0 ? s / p50Weight[i]! : Number.NaN)),
    latencyP99Ms: p99,
    topUserAgents: [...agents.values()].sort((a, b) => b.requests - a.requests || (a.userAgent < b.userAgent ? -1 : a.userAgent > b.userAgent ? 1 : 0)).slice(0, TOP_USER_AGENTS),
    samples,
    samplesDropped,
    latencyAnnotations: Object.fromEntries(Object.entries(annotations).sort((a, b) => (a[0] < b[0] ? -1 : 1))),
  };
  if (first.host !== undefined) out.host = first.host;
  return out;
}

function addKeyed(into: Record<string, number[]>, from: Record<string, number[]>, n: number, bucketOf: (b: number) => number): void {
  for (const [key, counts] of Object.entries(from)) {
    const mine = (into[key] ??= new Array<number>(n).fill(0));
    for (let b = 0; b < counts.length; b++) if (counts[b]) mine[bucketOf(b)]! += counts[b]!;
  }
}

/**
 * The aggregate without its buckets before `fromMs` (and samples before them); undefined when
 * nothing is left. The busiest user agents stay as counted over the whole aggregate.
 */
export function trimAudit(a: AuditAggregate, fromMs: number): AuditAggregate | undefined {
  const k = Math.floor((fromMs - a.fromMs) / a.stepMs);
  if (k <= 0) return a;
  if (k >= a.total.length) return undefined;
  const cut = (arr: number[]): number[] => arr.slice(k);
  const start = a.fromMs + k * a.stepMs;
  return {
    ...a,
    fromMs: start,
    total: cut(a.total),
    byVerb: Object.fromEntries(Object.entries(a.byVerb).map(([key, v]) => [key, cut(v)])),
    byCode: Object.fromEntries(Object.entries(a.byCode).map(([key, v]) => [key, cut(v)])),
    latencyP50Ms: cut(a.latencyP50Ms),
    latencyP99Ms: cut(a.latencyP99Ms),
    samples: a.samples.filter((s) => s.atMs >= start),
  };
}

/** The aggregate without its buckets from `toMs` on (a polled range about to be fetched again). */
export function truncateAudit(a: AuditAggregate, toMs: number): AuditAggregate | undefined {
  const n = Math.ceil((toMs - a.fromMs) / a.stepMs);
  if (n <= 0) return undefined;
  if (n >= a.total.length) return a;
  const cut = (arr: number[]): number[] => arr.slice(0, n);
  return {
    ...a,
    total: cut(a.total),
    byVerb: Object.fromEntries(Object.entries(a.byVerb).map(([key, v]) => [key, cut(v)])),
    byCode: Object.fromEntries(Object.entries(a.byCode).map(([key, v]) => [key, cut(v)])),
    latencyP50Ms: cut(a.latencyP50Ms),
    latencyP99Ms: cut(a.latencyP99Ms),
    samples: a.samples.filter((s) => s.atMs < a.fromMs + n * a.stepMs),
  };
}

const STATUS_RANK: Record<SourceReport['status'], number> = { ok: 0, unknown: 1, degraded: 2, failed: 3 };

/**
 * One report for a source read in several parts (generations, re-reads): counts add up, the
 * span widens, limits are joined; status and message are the last part's unless an earlier part
 * was worse. `bytes` is the last part's (the file's size).
 */
export function combineSourceReports(parts: readonly SourceReport[]): SourceReport {
  const last = parts[parts.length - 1]!;
  if (parts.length === 1) return last;
  const out: SourceReport = { ...last, lines: 0, records: 0, badLines: 0, badSamples: [] };
  const limits = new Set<string>();
  let worst = last;
  for (const p of parts) {
    out.lines += p.lines;
    out.records += p.records;
    out.badLines += p.badLines;
    for (const b of p.badSamples) if (out.badSamples.length < MAX_BAD_SAMPLES) out.badSamples.push(b);
    if (p.firstMs !== undefined && (out.firstMs === undefined || p.firstMs < out.firstMs)) out.firstMs = p.firstMs;
    if (p.lastMs !== undefined && (out.lastMs === undefined || p.lastMs > out.lastMs)) out.lastMs = p.lastMs;
    for (const l of p.limits ?? []) limits.add(l);
    if (STATUS_RANK[p.status] > STATUS_RANK[worst.status]) worst = p;
  }
  out.status = worst.status;
  if (worst.message !== undefined) out.message = worst.message;
  if (limits.size) out.limits = [...limits];
  return out;
}
