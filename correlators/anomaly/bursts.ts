/**
 * Bursts of log facts: facts of one kind on one host, folded while consecutive ones are closer
 * than `gapMs`. A burst is one observation with its count, first/last time and the largest
 * duration a line stated.
 */
import type { AuditSample, EvidenceRef, Fact, FactKey, LogRecord } from '../signals/index.js';
import type { Observation, ObservationBasis } from './types.js';

/** A classified record with its corrected time. */
export interface FactRecord {
  fact: Fact;
  record: LogRecord;
  atMs: number;
}

const GAP_MS = 90_000;

/**
 * For facts that state a duration: the value at which the line starts to matter and the value
 * that counts as severe (ms). A 120 ms "apply request took too long" is etcd's routine warning
 * (it logs above 100 ms); 1 s is an election timeout.
 * @see https://etcd.io/docs/v3.5/faq/ (apply < 100 ms; heartbeat 100 ms, election 1 s)
 */
const VALUE_SCALE: Partial<Record<string, readonly [number, number]>> = {
  'etcd-request-slow': [100, 1000],
  'etcd-heartbeat-late': [100, 1000],
  'etcd-wal-fsync-slow': [500, 2000],
  'etcd-compaction': [500, 5000],
  'etcd-clock-drift': [500, 3000],
  'apiserver-latency-high': [500, 5000],
  'client-throttling': [0, 2000],
  'kubelet-slow': [1000, 5000],
};
const MAX_EVIDENCE = 6;
/** Distinct values kept per tag of a burst, in first-seen order. */
const MAX_TAG_VALUES = 20;

function basisOf(r: LogRecord): ObservationBasis {
  return r.component === 'events' ? 'event' : 'log';
}

export function evidenceOf(r: LogRecord): EvidenceRef {
  return { sourceId: r.sourceId, file: r.file, line: r.line, atMs: r.atMs, text: r.raw.length > 400 ? `${r.raw.slice(0, 400)}…` : r.raw };
}

function hostOf(fr: FactRecord): string | undefined {
  // Node-scoped facts from Events or the controller manager name their node in the detail
  // (the component first: most facts have no such detail, and details come in many shapes)
  const component = fr.record.component;
  if (component !== 'events' && component !== 'kube-controller-manager') return fr.record.host;
  return fr.fact.detail?.['node'] || fr.record.host;
}

/** `to` holding `from`'s values first (a per-fact array grown). */
function grow<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * The facts of an analysis grouped by fact key, host and basis: what a burst is made of. The
 * grouping does not depend on clock offsets, so the clock's pass (bursts at the sources' own
 * times) and the corrected pass share it.
 */
export class FactGroups {
  /** Per group, indexes into `facts` in their order there; groups in order of first appearance. */
  readonly #groups: number[][] = [];
  /** Per group, its fact key and host. */
  readonly #meta: { key: FactKey; host: string; basis: ObservationBasis }[] = [];
  /** Per group, its fact indexes in order of their own times, once worked out. */
  readonly #ownOrders: (readonly number[] | undefined)[] = [];
  /** The facts' sources, in order of first appearance, and each fact's index into them. */
  readonly sources: string[] = [];
  #source: Int32Array;
  /** Each fact's own time, read once here (a pass over 100,000 scattered objects costs a cache miss each). */
  #at: Float64Array;
  /** Each fact's count (an Event's aggregated count, else 1) and stated value (-Infinity: none), read while it is added. */
  #count: Float64Array;
  #value: Float64Array;
  readonly #facts: FactRecord[] = [];
  // nested maps look up strings the records already hold instead of hashing a new composite key per fact;
  // per key and host: the groups of log lines and of Events (the two bases a record has)
  readonly #index = new Map<string, Map<string, { log?: number[]; event?: number[] }>>();
  readonly #sourceIndex = new Map<string, number>();
  #lastSource: string | undefined;
  #lastSourceIndex = -1;
  /** Whether an order or list of the groups has been worked out (and a new fact must forget it). */
  #ordered = false;

  /** `facts`, and any {@link add}ed after them. */
  constructor(facts: readonly FactRecord[] = [], capacity = facts.length) {
    this.#source = new Int32Array(Math.max(16, capacity));
    this.#at = new Float64Array(Math.max(16, capacity));
    this.#count = new Float64Array(Math.max(16, capacity));
    this.#value = new Float64Array(Math.max(16, capacity));
    for (const fr of facts) this.add(fr);
  }

  get facts(): readonly FactRecord[] {
    return this.#facts;
  }

  /**
   * One more fact, at the end. The analysis adds each fact as it is classified, while its objects
   * are still in the processor's cache.
   */
  add(fr: FactRecord): void {
    const i = this.#facts.length;
    this.#facts.push(fr);
    if (i === this.#at.length) {
      this.#source = grow(this.#source, new Int32Array(2 * i));
      this.#at = grow(this.#at, new Float64Array(2 * i));
      this.#count = grow(this.#count, new Float64Array(2 * i));
      this.#value = grow(this.#value, new Float64Array(2 * i));
    }
    // consecutive facts often share a source: compare before hashing
    const sourceId = fr.record.sourceId;
    if (sourceId !== this.#lastSource) {
      this.#lastSource = sourceId;
      let k = this.#sourceIndex.get(sourceId);
      if (k === undefined) {
        this.#sourceIndex.set(sourceId, (k = this.sources.length));
        this.sources.push(sourceId);
      }
      this.#lastSourceIndex = k;
    }
    this.#source[i] = this.#lastSourceIndex;
    this.#at[i] = fr.atMs;
    // events carry an aggregated count
    const raw = fr.record.fields['count'];
    const c = raw === undefined || raw === null ? 1 : Number(raw);
    this.#count[i] = Number.isFinite(c) && c > 0 ? c : 1;
    this.#value[i] = fr.fact.valueMs ?? -Infinity;
    let byHost = this.#index.get(fr.fact.key);
    if (!byHost) this.#index.set(fr.fact.key, (byHost = new Map()));
    const host = hostOf(fr) ?? '';
    let byBasis = byHost.get(host);
    if (!byBasis) byHost.set(host, (byBasis = {}));
    const event = fr.record.component === 'events';
    let list = event ? byBasis.event : byBasis.log;
    if (!list) {
      list = [];
      if (event) byBasis.event = list;
      else byBasis.log = list;
      this.#groups.push(list);
      this.#meta.push({ key: fr.fact.key, host, basis: event ? 'event' : 'log' });
    }
    list.push(i);
    // a group that grew is no longer in the order worked out for it
    if (this.#ordered) {
      this.#ownOrders.length = 0;
      this.#ordered = false;
    }
  }

  /** Fact `i`'s own time (its `atMs`), without visiting the fact. */
  ownAt(i: number): number {
    return this.#at[i]!;
  }

  /** Index into {@link sources} of fact `i`'s source. */
  sourceOf(i: number): number {
    return this.#source[i]!;
  }

  /**
   * The facts' own times (`atMs`) per source and train (`trainOf(key, host)` names it; it may
   * merge hosts), each train once per source in order of its first fact: what the clock's fact
   * trains compare, without a map lookup per fact.
   */
  trains(trainOf: (key: string, host: string) => string): { sourceId: string; group: string; t: number[] }[] {
    const names = new Map<string, number>();
    const bySource: ({ first: number; sourceId: string; group: string; t: number[] } | undefined)[][] = [];
    const out: { first: number; sourceId: string; group: string; t: number[] }[] = [];
    for (let gi = 0; gi < this.#groups.length; gi++) {
      const { key, host } = this.#meta[gi]!;
      const group = trainOf(key, host);
    let tg = names.get(group);
      if (tg === undefined) {
        names.set(group, (tg = bySource.length));
        bySource.push([]);
      }
      const entries = bySource[tg]!;
      for (const i of this.#groups[gi]!) {
        const src = this.#source[i]!;
        let e = entries[src];
        if (!e) out.push((e = entries[src] = { first: i, sourceId: this.sources[src]!, group, t: [] }));
        else if (i < e.first) e.first = i;
        e.t.push(this.#at[i]!);
      }
    }
    return out.sort((a, b) => a.first - b.first);
  }

  /**
   * The bursts of the facts in `corrected` (indexed like `facts`; undefined: left out), each group
   * in time order, groups in order of their first fact kept: what grouping the kept facts afresh
   * would give ({@link detectBursts}), without grouping again. A group whose facts all kept their
   * own times (no clock offset, all in the window) is in the order the clock's pass worked out.
   */
  bursts(corrected: readonly (FactRecord | undefined)[], idPrefix = 'b'): Observation[] {
    const facts = this.#facts;
    const own = this.#at;
    // each kept fact's corrected time, read from the object only when it is a corrected copy
    const at = new Float64Array(facts.length);
    for (let i = 0; i < facts.length; i++) {
      const c = corrected[i];
      at[i] = c === facts[i] ? own[i]! : c ? c.atMs : NaN;
    }
    const lists: { first: number; order: readonly number[] }[] = [];
    for (let gi = 0; gi < this.#groups.length; gi++) {
      const g = this.#groups[gi]!;
      let whole = true;
      for (let k = 0; k < g.length && whole; k++) whole = corrected[g[k]!] === facts[g[k]!];
      if (whole) {
        lists.push({ first: g[0]!, order: this.#ownOrder(gi) });
        continue;
      }
      const kept = g.filter((i) => corrected[i] !== undefined);
      if (kept.length === 0) continue;
      const first = kept[0]!;
      // stable: equal times keep the facts' order (lines mostly come in time order: check first)
      let sorted = true;
      for (let k = 1; k < kept.length && sorted; k++) sorted = at[kept[k - 1]!]! <= at[kept[k]!]!;
      if (!sorted) kept.sort((x, y) => at[x]! - at[y]!);
      lists.push({ first, order: kept });
    }
    lists.sort((x, y) => x.first - y.first);
    const out: Observation[] = [];
    const fold: FoldInput = { facts: corrected, at, count: this.#count, value: this.#value };
    for (const { order } of lists) {
      // a burst: a run of the group with no gap over GAP_MS
      let start = 0;
      for (let k = 1; k <= order.length; k++) {
        if (k < order.length && at[order[k]!]! - at[order[k - 1]!]! <= GAP_MS) continue;
        out.push(foldBurst(fold, order, start, k, `${idPrefix}${out.length}`));
        start = k;
      }
    }
    return out.sort((a, b) => a.startMs - b.startMs);
  }

  /** Group `gi`'s fact indexes in order of their own times (stable: equal times keep the facts' order). */
  #ownOrder(gi: number): readonly number[] {
    const known = this.#ownOrders[gi];
    if (known) return known;
    const g = this.#groups[gi]!;
    const at = this.#at;
    // lines mostly come in time order: check first
    let sorted = true;
    for (let k = 1; k < g.length && sorted; k++) sorted = at[g[k - 1]!]! <= at[g[k]!]!;
    const order = sorted ? g : [...g].sort((x, y) => at[x]! - at[y]!);
    this.#ownOrders[gi] = order;
    this.#ordered = true;
    return order;
  }

  /**
   * Where each burst of the facts at their own times starts, cheaply (no evidence, tags or text):
   * what the clock compares. Groups in order of their first fact, as {@link bursts} folds them;
   * read from the own times kept here, without visiting every fact object.
   */
  starts(): BurstStart[] {
    const out: BurstStart[] = [];
    const at = this.#at;
    for (let gi = 0; gi < this.#groups.length; gi++) {
      const order = this.#ownOrder(gi);
      const { key, basis } = this.#meta[gi]!;
      for (let k = 0; k < order.length; k++) {
        const i = order[k]!;
        if (k > 0 && at[i]! - at[order[k - 1]!]! <= GAP_MS) continue;
        out.push({ key, host: hostOf(this.#facts[i]!), sourceId: this.sources[this.#source[i]!]!, basis, startMs: at[i]! });
      }
    }
    return out;
  }
}

export function detectBursts(facts: FactRecord[], idPrefix = 'b'): Observation[] {
  return new FactGroups(facts).bursts(facts, idPrefix);
}

/** Where a burst starts: what the clock compares between sources. */
export interface BurstStart {
  key: FactRecord['fact']['key'];
  host: string | undefined;
  sourceId: string;
  basis: ObservationBasis;
  startMs: number;
}

/** What a burst is folded from: the kept facts (indexed like the groups' facts) and per fact its corrected time, count and stated value. */
interface FoldInput {
  facts: readonly (FactRecord | undefined)[];
  at: Float64Array;
  count: Float64Array;
  value: Float64Array;
}

/** One burst: the facts order[start..end). */
function foldBurst(input: FoldInput, order: readonly number[], start: number, end: number, id: string): Observation {
  const { facts, at, count: counts, value } = input;
  const firstI = order[start]!;
  const lastI = order[end - 1]!;
  const first = facts[firstI]!;
  let peakI = firstI;
  let peakValue = -Infinity;
  let count = 0;
  const tags: Record<string, Set<string>> = {};
  // facts made from a message text share one detail object: its tags are in already
  let lastDetail: Record<string, string> | undefined;
  for (let k = start; k < end; k++) {
    const i = order[k]!;
    count += counts[i]!;
    const v = value[i]!;
    if (v > peakValue) {
      peakValue = v;
      peakI = i;
    }
    // for-in over the plain detail object (no entry arrays per fact); a tag keeps its first
    // MAX_TAG_VALUES values, so a set that is full can skip the rest (profiled: issue 6)
    const detail = facts[i]!.fact.detail;
    if (detail && detail !== lastDetail) {
      lastDetail = detail;
      for (const t in detail) {
        const val = detail[t];
        if (!val) continue;
        const set = (tags[t] ??= new Set());
        if (set.size < MAX_TAG_VALUES) set.add(val);
      }
    }
  }
  const host = hostOf(first);
  // evidence: the first lines, the peak, the last
  const pick = new Set<number>([...order.slice(start, Math.min(end, start + MAX_EVIDENCE - 2)), peakI, lastI]);
  const scale = VALUE_SCALE[first.fact.key];
  const countPart = 0.12 * Math.log2(count + 1);
  const strength =
    scale && Number.isFinite(peakValue)
      ? 0.15 + 0.6 * Math.min(1, Math.max(0, (peakValue - scale[0]) / (scale[1] - scale[0]))) + 0.5 * countPart
      : 0.3 + countPart;
  const obs: Observation = {
    id,
    key: first.fact.key,
    component: first.record.component,
    startMs: at[firstI]!,
    endMs: at[lastI]!,
    peakMs: at[peakI]!,
    count,
    strength: Math.min(1, strength),
    basis: basisOf(first.record),
    sourceId: first.record.sourceId,
    detail: `${count} × ${first.fact.key}${host ? ` on ${host}` : ''} in ${first.record.sourceId}${Number.isFinite(peakValue) ? `, up to ${Math.round(peakValue)} ms` : ''}`,
    evidence: [...pick].map((i) => evidenceOf(facts[i]!.record)),
    tags: Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, [...v].slice(0, MAX_TAG_VALUES)])),
  };
  if (Number.isFinite(peakValue)) {
    obs.peak = peakValue;
    obs.unit = 'ms';
  }
  if (host !== undefined) obs.host = host;
  return obs;
}

/** What one kept audit request states. */
export function auditFact(s: AuditSample): Fact | undefined {
  const msg = s.message ?? '';
  if (s.code >= 500) {
    const cls = /database space exceeded/i.test(msg) ? 'nospace' : /leader changed/i.test(msg) ? 'leader-changed' : /webhook/i.test(msg) ? 'webhook' : /etcdserver|timed out|Timeout/i.test(msg) ? 'timeout' : 'other';
    if (cls === 'webhook') return { key: 'admission-webhook-slow', detail: { code: String(s.code) } };
    return { key: 'apiserver-errors', detail: { cls, code: String(s.code) } };
  }
  if (s.code === 429) return { key: 'apiserver-throttling', detail: { agent: (s.userAgent ?? '').split(' ')[0] ?? '' } };
  if (s.code === 410) return { key: 'apiserver-relist-storm' };
  if (/webhook/i.test(msg)) return { key: 'admission-webhook-slow', detail: { code: String(s.code) } };
  if (s.latencyMs >= 1000 && s.verb !== 'watch') return { key: 'apiserver-latency-high', valueMs: s.latencyMs, detail: { verb: s.verb } };
  return undefined;
}
