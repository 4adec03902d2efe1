/**
 * Series the rules need that no source gives directly: ratios between normalised series of the
 * same host (5xx share, db size over quota) and audit aggregates re-binned to a coarser grid.
 */
import { firstIndex } from '../search.js';
import type { AuditAggregate, Series } from '../signals/index.js';

function key(s: Series): string {
  return `${s.sourceId}|${s.host ?? ''}`;
}

/** Sums series point-wise on shared timestamps (same source and host). */
function groupByHost(series: Series[]): Map<string, Series[]> {
  const m = new Map<string, Series[]>();
  for (const s of series) {
    const k = key(s);
    const list = m.get(k) ?? [];
    list.push(s);
    m.set(k, list);
  }
  return m;
}

function pointMap(s: Series): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < s.t.length; i++) m.set(s.t[i]!, s.v[i]!);
  return m;
}

function derived(base: Series, metric: string, origin: string, t: number[], v: number[], labels: Record<string, string> = {}): Series {
  const out: Series = { sourceId: base.sourceId, metric, component: base.component, labels, origin, t, v };
  if (base.host !== undefined) out.host = base.host;
  if (base.file !== undefined) out.file = base.file;
  return out;
}

/** Share of `num` codes in all codes, per host and timestamp. */
function codeShare(series: Series[], metric: string, pick: (code: string) => boolean, origin: string): Series[] {
  const out: Series[] = [];
  for (const group of groupByHost(series).values()) {
    const aligned = codeShareAligned(group, pick);
    if (aligned) {
      if (aligned.t.length) out.push(derived(group[0]!, metric, origin, aligned.t, aligned.v));
      continue;
    }
    const totals = new Map<number, number>();
    const hits = new Map<number, number>();
    for (const s of group) {
      const code = s.labels['code'] ?? s.labels['rcode'] ?? '';
      for (let i = 0; i < s.t.length; i++) {
        const v = s.v[i]!;
        if (!Number.isFinite(v)) continue;
        const t = s.t[i]!;
        totals.set(t, (totals.get(t) ?? 0) + v);
        if (pick(code)) hits.set(t, (hits.get(t) ?? 0) + v);
      }
    }
    const t = [...totals.keys()].sort((a, b) => a - b);
    const v = t.map((x) => (totals.get(x)! > 0 ? (hits.get(x) ?? 0) / totals.get(x)! : NaN));
    if (t.length) out.push(derived(group[0]!, metric, origin, t, v));
  }
  return out;
}

/** Whether every series of the group has the same strictly increasing timestamps (one scrape grid). */
function sameGrid(group: Series[]): boolean {
  const t0 = group[0]!.t;
  for (let i = 1; i < t0.length; i++) if (!(t0[i]! > t0[i - 1]!)) return false;
  for (const s of group) {
    if (s.t === t0) continue;
    if (s.t.length !== t0.length) return false;
    for (let i = 0; i < t0.length; i++) if (s.t[i] !== t0[i]) return false;
  }
  return true;
}

/**
 * Point-wise sums of a group whose series share one grid, by index instead of through maps keyed
 * by timestamp (the profile's hot spot): the same sums in the same order, so the same values;
 * `hits` sums the series `hit` picks. Undefined when the grids differ.
 */
function gridSums(group: Series[], hit: (s: Series) => boolean = () => false): { grid: number[]; totals: Float64Array; hits: Float64Array; seen: Uint8Array } | undefined {
  if (!sameGrid(group)) return undefined;
  const grid = group[0]!.t;
  const n = grid.length;
  const totals = new Float64Array(n);
  const hits = new Float64Array(n);
  const seen = new Uint8Array(n);
  for (const s of group) {
    const picked = hit(s);
    for (let i = 0; i < n; i++) {
      const v = s.v[i]!;
      if (!Number.isFinite(v)) continue;
      totals[i] = totals[i]! + v;
      if (picked) hits[i] = hits[i]! + v;
      seen[i] = 1;
    }
  }
  return { grid, totals, hits, seen };
}

/** The points of {@link gridSums} where some series had a value, as `value(i)`. */
function seenPoints(sums: { grid: number[]; seen: Uint8Array }, value: (i: number) => number): { t: number[]; v: number[] } {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < sums.grid.length; i++) {
    if (!sums.seen[i]) continue;
    t.push(sums.grid[i]!);
    v.push(value(i));
  }
  return { t, v };
}

/** {@link codeShare} of one group on one grid ({@link gridSums}); undefined when the grids differ. */
function codeShareAligned(group: Series[], pick: (code: string) => boolean): { t: number[]; v: number[] } | undefined {
  const sums = gridSums(group, (s) => pick(s.labels['code'] ?? s.labels['rcode'] ?? ''));
  return sums && seenPoints(sums, (i) => (sums.totals[i]! > 0 ? sums.hits[i]! / sums.totals[i]! : NaN));
}

/** The point-wise sum of a group on one grid ({@link gridSums}); undefined when the grids differ. */
function sumAligned(group: Series[]): { t: number[]; v: number[] } | undefined {
  const sums = gridSums(group);
  return sums && seenPoints(sums, (i) => sums.totals[i]!);
}

/** The metrics deriveSeries reads (typed: it cannot read one not listed here): nothing else changes its output. */
export const DERIVE_INPUTS = ['apiserver_requests_per_s', 'coredns_responses_per_s', 'etcd_quota_bytes', 'etcd_db_size_bytes', 'node_timex_offset_s', 'scheduler_pending_pods'] as const;

export function deriveSeries(series: readonly Series[]): Series[] {
  return deriveBlocks(series).flat();
}

/**
 * deriveSeries' output in its blocks, in order: 5xx share, 429 share, SERVFAIL share (a series per
 * group of a source and host that has a point), db size over quota (per db size series with a
 * quota), |clock offset| (per offset series), pending pods (per group). The per-group blocks
 * hold at each timestamp a function of their group's points at that
 * timestamp only, so a live window can keep what it derived where no input changed
 * ({@link deriveBlocksFrom}).
 */
export function deriveBlocks(series: readonly Series[]): Series[][] {
  const by = (m: (typeof DERIVE_INPUTS)[number]) => series.filter((s) => s.metric === m);
  const requests = by('apiserver_requests_per_s');
  const blocks: Series[][] = [
    codeShare(requests, 'apiserver_5xx_ratio', (c) => c.startsWith('5'), 'sum(rate(apiserver_request_total{code=~"5.."}[1m])) / sum(rate(apiserver_request_total[1m]))'),
    codeShare(requests, 'apiserver_429_ratio', (c) => c === '429', 'sum(rate(apiserver_request_total{code="429"}[1m])) / sum(rate(apiserver_request_total[1m]))'),
    codeShare(by('coredns_responses_per_s'), 'coredns_servfail_ratio', (c) => c === 'SERVFAIL', 'sum(rate(coredns_dns_responses_total{rcode="SERVFAIL"}[1m])) / sum(rate(coredns_dns_responses_total[1m]))'),
  ];
  // db size over quota, per member
  const quotas = new Map(by('etcd_quota_bytes').map((s) => [key(s), s] as const));
  const ratios: Series[] = [];
  for (const s of by('etcd_db_size_bytes')) {
    const q = quotas.get(key(s));
    if (!q) continue;
    const lastQ = q.v.filter(Number.isFinite).at(-1) ?? NaN;
    // one scrape grid (the usual case): the quota at the same index, not through a map keyed by time
    const qm = sameGrid([s, q]) ? undefined : pointMap(q);
    ratios.push(derived(s, 'etcd_db_quota_ratio', 'etcd_mvcc_db_total_size_in_bytes / etcd_server_quota_backend_bytes', s.t.slice(), s.v.map((v, i) => v / (qm ? qm.get(s.t[i]!) ?? lastQ : q.v[i]!))));
  }
  blocks.push(ratios);
  blocks.push(by('node_timex_offset_s').map((s) => derived(s, 'node_timex_offset_abs_s', 'abs(node_timex_offset_seconds)', s.t.slice(), s.v.map(Math.abs))));
  // pending pods summed over queues
  const pending: Series[] = [];
  for (const group of groupByHost(by('scheduler_pending_pods')).values()) {
    const aligned = sumAligned(group);
    if (aligned) {
      pending.push(derived(group[0]!, 'scheduler_pending_pods_total', 'sum(scheduler_pending_pods)', aligned.t, aligned.v));
      continue;
    }
    const sum = new Map<number, number>();
    for (const s of group) for (let i = 0; i < s.t.length; i++) if (Number.isFinite(s.v[i]!)) sum.set(s.t[i]!, (sum.get(s.t[i]!) ?? 0) + s.v[i]!);
    const t = [...sum.keys()].sort((a, b) => a - b);
    pending.push(derived(group[0]!, 'scheduler_pending_pods_total', 'sum(scheduler_pending_pods)', t, t.map((x) => sum.get(x)!)));
  }
  blocks.push(pending);
  return blocks;
}

/**
 * The blocks made per group of a source and host, each point from the group's points at its
 * timestamp: the input metric that forms the groups, and whether a group with no point still has
 * its (empty) series.
 */
const PER_GROUP_BLOCKS: readonly { block: number; input: (typeof DERIVE_INPUTS)[number]; always: boolean }[] = [
  { block: 0, input: 'apiserver_requests_per_s', always: false },
  { block: 1, input: 'apiserver_requests_per_s', always: false },
  { block: 2, input: 'coredns_responses_per_s', always: false },
  { block: 5, input: 'scheduler_pending_pods', always: true },
];
const OFFSET_BLOCK = 4;

/**
 * {@link deriveBlocks} of `inputs` from `last` (the blocks derived from the inputs before), when
 * each input i is the one before with its first `links[i].keep` points being that one's from
 * `links[i].drop` on (series-lineage.ts), and inputs ascend. Then every input holds the same points
 * strictly between `a` (the latest first time) and `b` (the earliest last kept time), so a
 * per-group block is the last one there and is derived only from the inputs' ends; |offset| keeps
 * the last values of the points each series kept; db size over quota (which falls back on the
 * quota's last value where grids differ) is derived afresh. Undefined when no stretch is shared.
 */
export function deriveBlocksFrom(inputs: readonly Series[], links: readonly { drop: number; keep: number }[], last: readonly Series[][]): Series[][] | undefined {
  let a = -Infinity;
  let b = Infinity;
  for (let i = 0; i < inputs.length; i++) {
    const s = inputs[i]!;
    a = Math.max(a, s.t[0]!);
    b = Math.min(b, s.t[links[i]!.keep - 1]!);
  }
  if (!(a < b)) return undefined;
  // the first index past a / at or after b, in ascending times
  const after = (t: readonly number[], ms: number) => firstIndex(t.length, (i) => t[i]! > ms);
  const from = (t: readonly number[], ms: number) => firstIndex(t.length, (i) => t[i]! >= ms);
  // the inputs' points at or before a and at or after b: all a derivation there reads
  const edge = deriveBlocks(
    inputs.map((s) => {
      const head = after(s.t, a);
      const tail = from(s.t, b);
      return { ...s, t: s.t.slice(0, head).concat(s.t.slice(tail)), v: s.v.slice(0, head).concat(s.v.slice(tail)) };
    }),
  );
  const blocks = deriveBlocks(inputs.filter((s) => s.metric === 'etcd_quota_bytes' || s.metric === 'etcd_db_size_bytes'));
  const offsets: Series[] = [];
  inputs.forEach((s, i) => {
    if (s.metric !== 'node_timex_offset_s') return;
    const o = last[OFFSET_BLOCK]![offsets.length]!;
    const { drop, keep } = links[i]!;
    offsets.push({ ...o, t: s.t.slice(), v: o.v.slice(drop, drop + keep).concat(s.v.slice(keep).map(Math.abs)) });
  });
  blocks[OFFSET_BLOCK] = offsets;
  for (const { block, input, always } of PER_GROUP_BLOCKS) {
    const old = new Map(last[block]!.map((x) => [key(x), x] as const));
    const ends = new Map(edge[block]!.map((x) => [key(x), x] as const));
    const out: Series[] = [];
    // groups in the order deriveBlocks makes them: of the inputs, by first appearance
    for (const k of new Set(inputs.filter((s) => s.metric === input).map(key))) {
      const o = old.get(k);
      const e = ends.get(k);
      const base = o ?? e;
      if (!base) continue;
      // derived points ascend: the edge's up to a, the last ones strictly between, the edge's from b
      const eHead = e ? after(e.t, a) : 0;
      const eTail = e ? from(e.t, b) : 0;
      const oLo = o ? after(o.t, a) : 0;
      const oHi = o ? from(o.t, b) : 0;
      const join = (arr: 't' | 'v') => (e ? e[arr].slice(0, eHead) : []).concat(o ? o[arr].slice(oLo, oHi) : [], e ? e[arr].slice(eTail) : []);
      const t = join('t');
      if (t.length > 0 || always) out.push({ ...base, t, v: join('v') });
    }
    blocks[block] = out;
  }
  return blocks;
}

/** Minimum requests in a re-binned audit bucket for its ratios and quantiles to mean anything. */
const MIN_AUDIT_REQUESTS = 8;

/**
 * Audit aggregates re-binned to `binMs` (sparse audit logs give a handful of requests a second):
 * 5xx and 429 shares, p99 latency (the max of the fine buckets' p99, a safe upper bound) and LIST rate.
 */
export function deriveAuditSeries(agg: AuditAggregate, binMs: number): Series[] {
  // bins sit on multiples of binMs since the epoch, not on the aggregate's first second: an
  // aggregate trimmed by a sliding window keeps its bins (and a live sparkline its points)
  const step = agg.stepMs;
  const binOf = (i: number) => Math.floor((agg.fromMs + i * step) / binMs);
  const t: number[] = [];
  const r5: number[] = [];
  const r429: number[] = [];
  const p99: number[] = [];
  const lists: number[] = [];
  const codes = Object.entries(agg.byCode);
  const list = agg.byVerb['list'] ?? [];
  for (let start = 0; start < agg.total.length; ) {
    const bin = binOf(start);
    let end = start;
    while (end < agg.total.length && binOf(end) === bin) end++;
    let total = 0, e5 = 0, e429 = 0, l = 0, lat = NaN;
    for (let i = start; i < end; i++) {
      total += agg.total[i] ?? 0;
      for (const [code, arr] of codes) {
        const c = arr[i] ?? 0;
        if (code.startsWith('5')) e5 += c;
        else if (code === '429') e429 += c;
      }
      l += list[i] ?? 0;
      const q = agg.latencyP99Ms[i];
      if (q !== undefined && Number.isFinite(q)) lat = Number.isFinite(lat) ? Math.max(lat, q) : q;
    }
    t.push((bin + 1) * binMs);
    const enough = total >= MIN_AUDIT_REQUESTS;
    r5.push(enough ? e5 / total : NaN);
    r429.push(enough ? e429 / total : NaN);
    p99.push(enough ? lat / 1000 : NaN);
    // a bin cut by the aggregate's start or end covers only its own seconds
    lists.push(l / (((end - start) * step) / 1000));
    start = end;
  }
  const base = { sourceId: agg.sourceId, component: 'kube-apiserver' as const, labels: {}, ...(agg.host ? { host: agg.host } : {}) };
  return [
    { ...base, metric: 'audit_5xx_ratio', origin: `audit: share of responseStatus.code >= 500 per ${binMs / 1000} s`, t, v: r5 },
    { ...base, metric: 'audit_429_ratio', origin: `audit: share of responseStatus.code 429 per ${binMs / 1000} s`, t, v: r429 },
    { ...base, metric: 'audit_p99_latency_s', origin: `audit: p99 of stageTimestamp - requestReceivedTimestamp per ${binMs / 1000} s`, t, v: p99 },
    { ...base, metric: 'audit_list_per_s', origin: `audit: LIST requests per second, ${binMs / 1000} s bins`, t, v: lists },
  ];
}
