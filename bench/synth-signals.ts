/**
 * A synthetic SignalSet for timing the analysis: `series` catalogue series on a 1 s grid over a
 * window of `minutes`, and `logs` records whose messages `classifyLog` recognises (every
 * component, mixed kinds), plus an audit aggregate. Values are a seeded random walk around a
 * normal level; from 60 % of the window the etcd disk slows down and the rest follows, so the
 * detectors, episodes and mechanisms all have work to do.
 */
import { METRICS, type AuditAggregate, type Component, type LogRecord, type Series, type SignalSet, type Severity } from '../correlators/signals/index.js';

export interface SynthOptions {
  series: number;
  minutes: number;
  logs: number;
  seed?: number;
  fromMs?: number;
}

const HOSTS = ['cp-1', 'cp-2', 'cp-3', ...Array.from({ length: 12 }, (_, i) => `worker-${i + 1}`)];

/** Normal level per unit, and how much the incident multiplies it. */
const LEVEL: Record<string, [number, number]> = { s: [0.004, 40], ratio: [0.2, 4], per_s: [50, 6], bytes: [2e9, 1.2], count: [20, 5], bool: [1, 1], cores: [0.3, 3] };
/** Metrics whose normal level is not their unit's: a healthy cluster is quiet on them. */
const LEVEL_BY_ID: Record<string, [number, number]> = {
  etcd_quota_bytes: [8 * 2 ** 30, 1],
  etcd_db_size_bytes: [1.5e9, 1],
  node_memory_available_bytes: [8e9, 0.5],
  node_cpu_idle_ratio: [0.7, 0.4],
  node_timex_offset_s: [0.0001, 1],
  etcd_leader_changes_per_s: [0, 1],
  etcd_proposals_failed_per_s: [0, 1],
  etcd_heartbeat_failures_per_s: [0, 1],
  apiserver_flowcontrol_rejected_per_s: [0, 1],
  apiserver_webhook_rejections_per_s: [0, 1],
  node_memory_pressure: [0, 1],
};

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** [component, severity, message, fields]: lines the real components write, one per classify rule family. */
const LOG_KINDS: [Component, Severity, string, Record<string, string | number>][] = [
  ['etcd', 'warn', 'slow fdatasync', { took: '1.52s', 'expected-duration': '1s' }],
  ['etcd', 'warn', 'apply request took too long', { took: '412ms', 'expected-duration': '100ms' }],
  ['etcd', 'warn', 'failed to send out heartbeat on time (exceeded the 100ms timeout for 40ms, to 8e9e05c52164694d)', { 'exceeded-duration': '40ms', to: '8e9e05c52164694d' }],
  ['etcd', 'info', 'finished scheduled compaction', { took: '120ms' }],
  ['etcd', 'info', 'triggering snapshot', {}],
  ['kube-apiserver', 'error', 'etcdserver: request timed out', {}],
  ['kube-apiserver', 'warn', 'Trace[1735432]: "List" url:/api/v1/pods,verb:LIST (total time: 1689ms):', {}],
  ['kube-apiserver', 'error', 'Handler timeout', {}],
  ['kube-controller-manager', 'error', 'failed to renew lease kube-system/kube-controller-manager: timed out waiting for the condition', {}],
  ['kube-scheduler', 'info', 'Waited for 1.19s due to client-side throttling, not priority and fairness', {}],
  ['kubelet', 'error', 'Error updating node status, will retry: error getting node: etcdserver: request timed out', {}],
  ['kubelet', 'info', 'Housekeeping took longer than expected', { actual: '1.2s' }],
  ['kernel', 'error', 'Memory cgroup out of memory: Killed process 4242 (java)', {}],
  ['coredns', 'error', '[ERROR] plugin/errors: 2 example.com. A: read udp 10.0.0.1:53->8.8.8.8:53: i/o timeout', {}],
  ['events', 'warn', 'Readiness probe failed: HTTP probe failed with statuscode: 503', { reason: 'Unhealthy', type: 'Warning', objectKind: 'Pod', objectName: 'web-1', namespace: 'shop' }],
];

function buildSeries(n: number, fromMs: number, points: number, onsetAt: number, rnd: () => number): Series[] {
  const out: Series[] = [];
  const t = Array.from({ length: points }, (_, i) => fromMs + i * 1000);
  for (let k = 0; out.length < n; k++) {
    const def = METRICS[k % METRICS.length]!;
    const host = HOSTS[Math.floor(k / METRICS.length) % HOSTS.length]!;
    const variant = Math.floor(k / (METRICS.length * HOSTS.length));
    const [level, factor] = LEVEL_BY_ID[def.id] ?? LEVEL[def.unit] ?? [1, 2];
    const hit = host === 'cp-2' || def.component === 'kube-apiserver';
    const v = new Array<number>(points);
    let x = level;
    for (let i = 0; i < points; i++) {
      // a mean-reverting walk, +-10 % around the level
      x = Math.max(0, x + (level - x) * 0.1 + (rnd() - 0.5) * level * 0.2);
      v[i] = def.unit === 'bool' ? level : hit && i >= onsetAt ? x * factor : x;
    }
    const labels: Record<string, string> = {};
    for (const b of def.by) labels[b] = `${b}-${variant}`;
    if (variant > 0 && def.by.length === 0) labels['variant'] = String(variant);
    out.push({ sourceId: 'metrics/metrics.om', metric: def.id, component: def.component, host, labels, origin: `synthetic ${def.family}`, t: t.slice(), v });
  }
  return out;
}

function buildLogs(n: number, fromMs: number, spanMs: number, onsetMs: number, rnd: () => number): LogRecord[] {
  const out: LogRecord[] = [];
  for (let i = 0; i < n; i++) {
    const [component, severity, message, fields] = LOG_KINDS[i % LOG_KINDS.length]!;
    // two thirds of the lines after the onset: the incident is loud
    const atMs = Math.floor(rnd() < 0.67 ? onsetMs + rnd() * (fromMs + spanMs - onsetMs) : fromMs + rnd() * spanMs);
    const host = component === 'events' ? undefined : HOSTS[i % 3]!;
    const file = `logs/${component}-${host ?? 'all'}.log`;
    const r: LogRecord = { atMs, sourceId: file, component, severity, message, fields, file, line: i + 1, raw: message };
    if (host) r.host = host;
    out.push(r);
  }
  return out.sort((a, b) => a.atMs - b.atMs || a.line - b.line);
}

function buildAudit(fromMs: number, points: number, onsetAt: number, rnd: () => number): AuditAggregate {
  const total = Array.from({ length: points }, (_, i) => Math.round(2000 * (i >= onsetAt ? 0.6 : 1) * (0.9 + rnd() * 0.2)));
  const p99 = Array.from({ length: points }, (_, i) => (i >= onsetAt ? 1500 : 40) * (0.8 + rnd() * 0.4));
  return {
    sourceId: 'audit/audit.log', fromMs, stepMs: 1000, total,
    byVerb: { get: total.map((x) => Math.round(x * 0.6)), list: total.map((x) => Math.round(x * 0.1)), update: total.map((x) => Math.round(x * 0.3)) },
    byCode: { '200': total.map((x, i) => (i >= onsetAt ? Math.round(x * 0.8) : x)), '504': total.map((x, i) => (i >= onsetAt ? Math.round(x * 0.2) : 0)) },
    latencyP50Ms: p99.map((x) => x / 8), latencyP99Ms: p99,
    topUserAgents: [{ userAgent: 'kubelet/v1.29.4', requests: 1000, errors: 10, throttled: 0, firstMs: fromMs }],
    samples: [], samplesDropped: 0, latencyAnnotations: {},
  };
}

export function buildSyntheticSignals(o: SynthOptions): SignalSet {
  const rnd = rng(o.seed ?? 1);
  const fromMs = o.fromMs ?? Date.UTC(2026, 0, 24, 8, 0, 0);
  const points = o.minutes * 60;
  const spanMs = points * 1000;
  const onsetAt = Math.floor(points * 0.6);
  const series = buildSeries(o.series, fromMs, points, onsetAt, rnd);
  const logs = buildLogs(o.logs, fromMs, spanMs, fromMs + onsetAt * 1000, rnd);
  const sourceIds = [...new Set([...series.map((s) => s.sourceId), ...logs.map((l) => l.sourceId), 'audit/audit.log'])].sort();
  return {
    window: { fromMs, toMs: fromMs + spanMs },
    logs,
    series,
    audit: [buildAudit(fromMs, points, onsetAt, rnd)],
    sources: sourceIds.map((sourceId) => ({ sourceId, format: 'synthetic', status: 'ok' as const, lines: 0, records: 0, badLines: 0, badSamples: [], bytes: 0 })),
  };
}
