/** The report's views: timeline entries, sparkline series and the impact summary. */
import { SYMPTOMS, type SignalSet, type Symptom } from '../signals/index.js';
import type { Observation, SeriesRange } from '../anomaly/index.js';
import type { AnalysisContext } from './context.js';
import type { Impact, SparkSeries, TimelineEntry } from './schema.js';
import { iso } from './build-chain.js';

const isSymptom = (k: string): k is Symptom => (SYMPTOMS as readonly string[]).includes(k);

export function buildTimeline(observations: Observation[], chainIds: Set<string>): TimelineEntry[] {
  return observations.map((o) => {
    const e: TimelineEntry = {
      id: o.id,
      at: iso(o.startMs),
      atMs: Math.round(o.startMs),
      component: o.component,
      lane: o.host ? `${o.component}/${o.host}` : o.component,
      kind: o.endMs - o.startMs > 1000 ? 'episode' : 'event',
      severity: o.strength >= 0.6 ? 'error' : o.strength >= 0.35 ? 'warn' : 'info',
      title: o.detail,
      count: Math.max(1, Math.round(o.count)),
      inChain: chainIds.has(o.id),
      evidence: o.evidence[0] ?? { sourceId: o.sourceId, atMs: o.startMs, text: o.detail },
    };
    if (o.endMs - o.startMs > 1000) e.endMs = Math.round(o.endMs);
    if (o.host !== undefined) e.host = o.host;
    if (isSymptom(o.key)) e.symptom = o.key;
    return e;
  });
}

const KEY_METRICS = ['etcd_wal_fsync_p99_s', 'etcd_backend_commit_p99_s', 'node_disk_util_ratio', 'node_cpu_idle_ratio', 'apiserver_latency_p99_s', 'apiserver_5xx_ratio', 'etcd_peer_rtt_p99_s', 'audit_5xx_ratio', 'audit_p99_latency_s'];
const MAX_POINTS = 240;

/** Sparklines: the series behind the leading chain first, then the key metrics; downsampled. */
export function buildSeries(ctx: AnalysisContext, chainObs: Observation[]): SparkSeries[] {
  const wanted: { metric: string; host?: string; threshold?: number }[] = [];
  for (const o of chainObs) {
    if (o.basis !== 'metric' && o.basis !== 'iostat' && o.basis !== 'audit') continue;
    const s = ctx.series.find((x) => x.series.origin === o.evidence[0]?.series && x.series.host === o.host)?.series;
    if (s) wanted.push({ metric: s.metric, ...(s.host ? { host: s.host } : {}), ...(o.threshold !== undefined ? { threshold: o.threshold } : {}) });
  }
  for (const m of KEY_METRICS) if (!wanted.some((w) => w.metric === m)) wanted.push({ metric: m });
  const out: SparkSeries[] = [];
  const seen = new Set<string>();
  for (const w of wanted) {
    const candidates = ctx.series.filter((r) => r.series.metric === w.metric && (w.host === undefined || r.series.host === w.host) && r.hi - r.lo > 1);
    for (const r of candidates.slice(0, w.host ? 1 : 3)) {
      const s = r.series;
      const id = `${s.sourceId}|${s.metric}|${s.host ?? ''}|${JSON.stringify(s.labels)}`;
      if (seen.has(id) || out.length >= 12) continue;
      seen.add(id);
      const { t, v } = downsample(r, ctx.offsetOf(s.sourceId), ctx.window);
      const sp: SparkSeries = { id: `sp${out.length}`, metric: s.metric, label: `${s.metric}${s.host ? ` ${s.host}` : ''}`, component: s.component, unit: s.metric.endsWith('_s') ? 's' : s.metric.endsWith('_ratio') ? 'ratio' : '', t, v, origin: s.origin };
      if (s.host !== undefined) sp.host = s.host;
      if (w.threshold !== undefined) sp.threshold = w.threshold;
      out.push(sp);
    }
  }
  return out;
}

/**
 * At most about MAX_POINTS points: the peak of each time bucket, buckets counted from the epoch
 * (not from the series' first point), so a window that slides keeps its buckets and a live
 * sparkline only gains points at its end. A bucket cut by the window's start is left out.
 */
function downsample(r: SeriesRange, offsetMs: number, window: { fromMs: number; toMs: number }): { t: number[]; v: (number | null)[] } {
  const { series: s, lo, hi } = r;
  const t: number[] = [];
  const v: (number | null)[] = [];
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  if (hi - lo <= MAX_POINTS) {
    for (let i = lo; i < hi; i++) {
      t.push(Math.round(s.t[i]! + offsetMs));
      v.push(finite(s.v[i]!));
    }
    return { t, v };
  }
  const bucketMs = Math.max(1000, Math.ceil((window.toMs - window.fromMs) / MAX_POINTS / 1000) * 1000);
  const cutBucket = window.fromMs % bucketMs !== 0 ? Math.floor(window.fromMs / bucketMs) : undefined;
  for (let i = lo; i < hi; ) {
    const at = s.t[i]! + offsetMs;
    const bucket = Math.floor(at / bucketMs);
    let peak = NaN;
    let j = i;
    for (; j < hi && Math.floor((s.t[j]! + offsetMs) / bucketMs) === bucket; j++) if (Number.isFinite(s.v[j]!) && !(peak >= s.v[j]!)) peak = s.v[j]!;
    if (bucket !== cutBucket) {
      t.push(Math.round(at));
      v.push(finite(peak));
    }
    i = j;
  }
  return { t, v };
}

/** Duration covered by a set of intervals (their union), ms. */
function unionMs(iv: [number, number][]): number {
  const s = iv.filter(([a, b]) => b >= a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cur: [number, number] | undefined;
  for (const [a, b] of s) {
    if (!cur || a > cur[1]) {
      if (cur) total += cur[1] - cur[0];
      cur = [a, b];
    } else cur[1] = Math.max(cur[1], b);
  }
  if (cur) total += cur[1] - cur[0];
  return total;
}

export function buildImpact(observations: Observation[], signals: SignalSet): Impact {
  const errs = observations.filter((o) => o.key === 'apiserver-errors');
  let apiErrors = 0;
  let throttled = 0;
  for (const a of signals.audit) {
    for (const [code, arr] of Object.entries(a.byCode)) {
      const n = arr.reduce((x, y) => x + y, 0);
      if (code.startsWith('5')) apiErrors += n;
      if (code === '429') throttled += n;
    }
  }
  if (signals.audit.length === 0) apiErrors = errs.filter((o) => o.basis === 'log').reduce((x, o) => x + o.count, 0);
  const lat = observations.filter((o) => o.key === 'apiserver-latency-high' && o.unit === 's' && o.peak !== undefined).map((o) => o.peak! * 1000);
  const elections = observations.filter((o) => o.key === 'etcd-leader-election' && o.basis === 'log');
  const electionTerms = new Set(elections.flatMap((o) => o.evidence.map((e) => /at term (\d+)/.exec(e.text)?.[1]).filter(Boolean)));
  const notReady = [...new Set(observations.filter((o) => o.key === 'node-not-ready').flatMap((o) => [...(o.tags['node'] ?? []), ...(o.host ? [o.host] : [])]))].filter(Boolean).sort();
  const evicted = [...new Set(observations.filter((o) => o.key === 'pod-evicted').flatMap((o) => o.tags['pod'] ?? []))].filter(Boolean).sort();
  const pendingObs = observations.filter((o) => o.key === 'pods-pending');
  const affected = [...new Set(observations.flatMap((o) => (['image-pull-backoff', 'ipam-exhaustion', 'pods-pending', 'pod-evicted'].includes(o.key) ? o.tags['pod'] ?? [] : [])))].filter(Boolean).sort();
  const impact: Impact = {
    apiErrorSeconds: Math.round(unionMs(errs.map((o) => [o.startMs, o.endMs])) / 1000),
    apiErrors,
    apiThrottled: throttled,
    apiP99PeakMs: lat.length ? Math.round(Math.max(...lat)) : null,
    leaderElections: Math.max(electionTerms.size, observations.filter((o) => o.key === 'etcd-leader-election' && o.basis === 'metric').length > 0 && electionTerms.size === 0 ? 1 : 0),
    notReadyNodes: notReady,
    evictedPods: evicted,
    pendingPods: Math.round(Math.max(0, ...pendingObs.filter((o) => o.basis === 'metric').map((o) => o.peak ?? 0), pendingObs.filter((o) => o.basis !== 'metric').reduce((x, o) => x + (o.tags['pod']?.length ?? 0), 0))),
    affectedPods: affected.slice(0, 100),
  };
  if (errs.length) {
    impact.firstErrorAt = iso(Math.min(...errs.map((o) => o.startMs)));
    impact.lastErrorAt = iso(Math.max(...errs.map((o) => o.endMs)));
  }
  return impact;
}
