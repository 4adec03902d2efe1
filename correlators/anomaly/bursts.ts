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
  /** Per group, its facts at their own times in time order, once worked out. */
  readonly #ownLists: (FactRecord[] | undefined)[] = [];
  /** The facts' sources, in order of first appearance, and each fact's index into them. */
  readonly sources: string[] = [];
  #source: Int32Array;
  /** Each fact's own time, read once here (a pass over 100,000 scattered objects costs a cache miss each). */
  #at: Float64Array;
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
      const source = new Int32Array(2 * i);
      source.set(this.#source);
      this.#source = source;
      const at = new Float64Array(2 * i);
      at.set(this.#at);
      this.#at = at;
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
      this.#ownLists.length = 0;
      this.#ordered = false;
    }
  }

  /** Index into {@link sources} of fact `i`'s source. */
  sourceOf(i: number): number {
    return this.#source[i]!;
  }

  /**
   * The facts' own times (`atMs`) per source and train (fact key and host; `hostOf(key)` may blank the
   * host), each train once per source in order of its first fact: what the clock's fact trains
   * compare, without a map lookup per fact.
   */
  trains(hostOf: (key: string, host: string) => string): { sourceId: string; group: string; t: number[] }[] {
    const names = new Map<string, number>();
    const bySource: ({ first: number; sourceId: string; group: string; t: number[] } | undefined)[][] = [];
    const out: { first: number; sourceId: string; group: string; t: number[] }[] = [];
    for (let gi = 0; gi < this.#groups.length; gi++) {
      const { key, host } = this.#meta[gi]!;
      const group = `${key}|${hostOf(key, host)}`;
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
   * The groups over `corrected` (indexed like `facts`; undefined: left out), each in time order,
   * groups in order of their first fact kept: what grouping the kept facts afresh would give.
   */
  #lists(corrected: readonly (FactRecord | undefined)[]): FactRecord[][] {
    const lists: { first: number; list: FactRecord[] }[] = [];
    for (let gi = 0; gi < this.#groups.length; gi++) {
      const g = this.#groups[gi]!;
      // a group whose facts all kept their own times (no clock offset, all in the window) is the
      // list already sorted for the clock's pass
      let own = true;
      for (let k = 0; k < g.length && own; k++) own = corrected[g[k]!] === this.#facts[g[k]!];
      if (own) {
        const known = (this.#ownLists[gi] ??= this.#ownOrder(gi).map((i) => this.#facts[i]!));
        this.#ordered = true;
        lists.push({ first: g[0]!, list: known });
        continue;
      }
      const list: FactRecord[] = [];
      let first = -1;
      for (const i of g) {
        const f = corrected[i];
        if (!f) continue;
        if (first < 0) first = i;
        list.push(f);
      }
      if (list.length === 0) continue;
      // stable: equal times keep the facts' order (lines mostly come in time order: check first)
      let sorted = true;
      for (let k = 1; k < list.length && sorted; k++) sorted = list[k - 1]!.atMs <= list[k]!.atMs;
      if (!sorted) list.sort((x, y) => x.atMs - y.atMs);
      lists.push({ first, list });
    }
    return lists.sort((x, y) => x.first - y.first).map((x) => x.list);
  }

  /** The bursts of the facts in `corrected` (see #lists): {@link detectBursts} without grouping again. */
  bursts(corrected: readonly (FactRecord | undefined)[], idPrefix = 'b'): Observation[] {
    const out: Observation[] = [];
    forEachBurst(this.#lists(corrected), (list, start, end) => out.push(foldBurst(list, start, end, `${idPrefix}${out.length}`)));
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

/** Calls `each(list, start, end)` for every burst: a run of `list` with no gap over GAP_MS. */
function forEachBurst(groups: readonly FactRecord[][], each: (list: FactRecord[], start: number, end: number) => void): void {
  for (const list of groups) {
    let start = 0;
    for (let i = 1; i <= list.length; i++) {
      if (i < list.length && list[i]!.atMs - list[i - 1]!.atMs <= GAP_MS) continue;
      each(list, start, i);
      start = i;
    }
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

/** One burst: list[start..end). */
function foldBurst(list: readonly FactRecord[], start: number, end: number, id: string): Observation {
  const first = list[start]!;
  const last = list[end - 1]!;
  let peak: FactRecord = first;
  let peakValue = -Infinity;
  // events carry an aggregated count
  let count = 0;
  const tags: Record<string, Set<string>> = {};
  for (let k = start; k < end; k++) {
    const it = list[k]!;
    const raw = it.record.fields['count'];
    if (raw === undefined || raw === null) count++;
    else {
      const c = Number(raw);
      count += Number.isFinite(c) && c > 0 ? c : 1;
    }
    const v = it.fact.valueMs ?? -Infinity;
    if (v > peakValue) {
      peakValue = v;
      peak = it;
    }
    // for-in over the plain detail object (no entry arrays per fact); a tag keeps its first
    // MAX_TAG_VALUES values, so a set that is full can skip the rest (profiled: issue 6)
    const detail = it.fact.detail;
    if (detail) {
      for (const k in detail) {
        const val = detail[k];
        if (!val) continue;
        const set = (tags[k] ??= new Set());
        if (set.size < MAX_TAG_VALUES) set.add(val);
      }
    }
  }
  const host = hostOf(first);
  // evidence: the first lines, the peak, the last
  const pick = new Set<FactRecord>([...list.slice(start, Math.min(end, start + MAX_EVIDENCE - 2)), peak, last]);
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
    startMs: first.atMs,
    endMs: last.atMs,
    peakMs: peak.atMs,
    count,
    strength: Math.min(1, strength),
    basis: basisOf(first.record),
    sourceId: first.record.sourceId,
    detail: `${count} × ${first.fact.key}${host ? ` on ${host}` : ''} in ${first.record.sourceId}${Number.isFinite(peakValue) ? `, up to ${Math.round(peakValue)} ms` : ''}`,
    evidence: [...pick].map((x) => evidenceOf(x.record)),
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
