/**
 * Bursts of log facts: facts of one kind on one host, folded while consecutive ones are closer
 * than `gapMs`. A burst is one observation with its count, first/last time and the largest
 * duration a line stated.
 */
import type { AuditSample, EvidenceRef, Fact, FactKey, LogRecord } from '../signals/index.js';
import type { Observation, ObservationBasis } from './types.js';
import { BurstState, evidencePositions, type BurstFacts } from './burst-state.js';

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
  /** Per fact, its last corrected copy ({@link correctedAt}). */
  readonly #copies: (FactRecord | undefined)[] = [];
  // nested maps look up strings the records already hold instead of hashing a new composite key per fact;
  // per key and host: the groups of log lines and of Events (the two bases a record has)
  readonly #index = new Map<string, Map<string, { log?: number[]; event?: number[] }>>();
  readonly #sourceIndex = new Map<string, number>();
  #lastSource: string | undefined;
  #lastSourceIndex = -1;
  /** Whether an order or list of the groups has been worked out (and a new fact must forget it). */
  #ordered = false;

  /**
   * Whether to keep corrected copies ({@link correctedAt}) and folded bursts from one call to the
   * next: a live window's groups see the same facts analysis after analysis.
   */
  readonly #remember: boolean;
  /** Per group (its index list, the same array while the group lives), the states of its bursts at the last call, in order. */
  #states = new Map<readonly number[], BurstState[]>();
  /** The same states by their first fact (as corrected). */
  #byFirst = new Map<FactRecord, BurstState>();
  /** Calls of {@link bursts}: a state serves one burst per call. */
  #call = 0;
  /** Bursts recalled whole and bursts updated as their group slid, instead of folded, since the start. */
  recalledBursts = 0;
  slidBursts = 0;

  /** `facts`, and any {@link add}ed after them. */
  constructor(facts: readonly FactRecord[] = [], capacity = facts.length, options: { remember?: boolean } = {}) {
    this.#remember = options.remember ?? false;
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
    // as long as the facts (a copy written far past the end would make the array sparse)
    if (this.#remember) this.#copies.push(undefined);
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

  /**
   * Forgets the facts from index `n` on. A live window re-adds its audit facts after its log facts
   * on every analysis: they go first.
   */
  truncate(n: number): void {
    if (n >= this.#facts.length) return;
    this.#facts.length = n;
    this.#copies.length = Math.min(this.#copies.length, n);
    for (const g of this.#groups) {
      let m = g.length;
      while (m > 0 && g[m - 1]! >= n) m--;
      g.length = m;
    }
    this.#regroup();
  }

  /**
   * Forgets the first `n` facts (those whose records left a sliding window); the others move down
   * by `n`. What is left is what adding the remaining facts afresh would give.
   */
  dropFirst(n: number): void {
    if (n <= 0) return;
    const len = this.#facts.length;
    n = Math.min(n, len);
    this.#facts.splice(0, n);
    this.#copies.splice(0, n);
    this.#source.copyWithin(0, n, len);
    this.#at.copyWithin(0, n, len);
    this.#count.copyWithin(0, n, len);
    this.#value.copyWithin(0, n, len);
    for (const g of this.#groups) {
      let c = 0;
      while (c < g.length && g[c]! < n) c++;
      let w = 0;
      for (let r = c; r < g.length; r++) g[w++] = g[r]! - n;
      g.length = w;
    }
    this.#regroup();
  }

  /** After a removal: empty groups go, the others in order of their first fact again (as {@link add} makes them), orders forgotten. */
  #regroup(): void {
    const keep: number[] = [];
    for (let gi = 0; gi < this.#groups.length; gi++) {
      if (this.#groups[gi]!.length > 0) {
        keep.push(gi);
        continue;
      }
      const { key, host, basis } = this.#meta[gi]!;
      const byHost = this.#index.get(key)!;
      const byBasis = byHost.get(host)!;
      if (basis === 'event') delete byBasis.event;
      else delete byBasis.log;
      if (!byBasis.event && !byBasis.log) byHost.delete(host);
      if (byHost.size === 0) this.#index.delete(key);
    }
    keep.sort((a, b) => this.#groups[a]![0]! - this.#groups[b]![0]!);
    const groups = keep.map((gi) => this.#groups[gi]!);
    const meta = keep.map((gi) => this.#meta[gi]!);
    this.#groups.length = 0;
    this.#meta.length = 0;
    this.#groups.push(...groups);
    this.#meta.push(...meta);
    this.#ownOrders.length = 0;
    this.#ordered = false;
  }

  /**
   * Fact `i` at corrected time `atMs`: the fact itself at its own time, else a copy, the same
   * copy as last time when the time is the same (a live window corrects the same facts by the
   * same offset tick after tick; the same object lets later steps recognise them).
   */
  correctedAt(i: number, atMs: number): FactRecord {
    const f = this.#facts[i]!;
    if (atMs === this.#at[i]) return f;
    if (!this.#remember) return { ...f, atMs };
    const known = this.#copies[i];
    if (known && known.atMs === atMs) return known;
    const c = { ...f, atMs };
    this.#copies[i] = c;
    return c;
  }

  /** The indexes of the facts of these kinds, in their order. */
  indexesOf(keys: ReadonlySet<string>): number[] {
    const out: number[] = [];
    for (let gi = 0; gi < this.#groups.length; gi++) if (keys.has(this.#meta[gi]!.key)) out.push(...this.#groups[gi]!);
    return out.sort((a, b) => a - b);
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
    // whether each fact is kept at its own time: read here in order, where the groups would read it scattered
    const asOwn = new Uint8Array(facts.length);
    for (let i = 0; i < facts.length; i++) {
      const c = corrected[i];
      if (c === facts[i]) {
        at[i] = own[i]!;
        asOwn[i] = 1;
      } else at[i] = c ? c.atMs : NaN;
    }
    const lists: { first: number; order: readonly number[]; group: readonly number[] }[] = [];
    for (let gi = 0; gi < this.#groups.length; gi++) {
      const g = this.#groups[gi]!;
      let whole = true;
      for (let k = 0; k < g.length && whole; k++) whole = asOwn[g[k]!] === 1;
      if (whole) {
        lists.push({ first: g[0]!, order: this.#ownOrder(gi), group: g });
        continue;
      }
      const kept = g.filter((i) => corrected[i] !== undefined);
      if (kept.length === 0) continue;
      const first = kept[0]!;
      // stable: equal times keep the facts' order (lines mostly come in time order: check first)
      let sorted = true;
      for (let k = 1; k < kept.length && sorted; k++) sorted = at[kept[k - 1]!]! <= at[kept[k]!]!;
      if (!sorted) kept.sort((x, y) => at[x]! - at[y]!);
      lists.push({ first, order: kept, group: g });
    }
    lists.sort((x, y) => x.first - y.first);
    const out: Observation[] = [];
    const fold: FoldInput = { facts: corrected, at, count: this.#count, value: this.#value };
    const remember = this.#remember;
    const call = ++this.#call;
    const states = new Map<readonly number[], BurstState[]>();
    const byFirst = new Map<FactRecord, BurstState>();
    for (const { order, group } of lists) {
      const mine: BurstState[] = [];
      // only a group's first burst can have lost facts at its head
      const head = remember ? this.#states.get(group)?.[0] : undefined;
      // a burst: a run of the group with no gap over GAP_MS
      let start = 0;
      for (let k = 1; k <= order.length; k++) {
        if (k < order.length && at[order[k]!]! - at[order[k - 1]!]! <= GAP_MS) continue;
        const id = `${idPrefix}${out.length}`;
        if (remember) {
          const state = this.#burstState(fold, order, start, k, head, call, id);
          mine.push(state);
          byFirst.set(state.facts[0]!, state);
          out.push({ ...state.obs!, id });
        } else out.push(foldBurst(fold, order, start, k, id));
        start = k;
      }
      if (mine.length) states.set(group, mine);
    }
    if (remember) {
      this.#states = states;
      this.#byFirst = byFirst;
    }
    return out.sort((a, b) => a.startMs - b.startMs);
  }

  /**
   * The state of the burst order[start..end): the last call's when it is made of the same fact
   * objects (same records, same corrected times); that one updated when the group slid (its first
   * facts left, new ones came after its last); else folded now. Comparing pointers costs far less
   * than folding, which visits each fact, its record and its detail.
   */
  #burstState(fold: FoldInput, order: readonly number[], start: number, end: number, head: BurstState | undefined, call: number, id: string): BurstState {
    const facts = fold.facts;
    const n = end - start;
    const first = facts[order[start]!]!;
    let old = this.#byFirst.get(first);
    let h = 0;
    if (!old || old.usedIn === call) {
      old = undefined;
      const i = head && head.usedIn !== call ? head.facts.indexOf(first) : -1;
      if (i > 0) {
        old = head;
        h = i;
      }
    }
    if (old) {
      const shared = old.facts.length - h;
      let same = shared <= n;
      for (let m = 0; m < shared && same; m++) same = old.facts[h + m] === facts[order[start + m]!];
      if (same) {
        old.usedIn = call;
        if (h === 0 && shared === n) {
          this.recalledBursts++;
          return old;
        }
        const next = old.slide(h, this.#burstFacts(fold, order, start + shared, end));
        if (next) {
          this.slidBursts++;
          next.usedIn = call;
          next.obs = stateObservation(next, id);
          return next;
        }
      }
    }
    const state = new BurstState(this.#burstFacts(fold, order, start, end));
    state.usedIn = call;
    state.obs = stateObservation(state, id);
    return state;
  }

  /** The facts order[start..end) with their counts and stated values. */
  #burstFacts(fold: FoldInput, order: readonly number[], start: number, end: number): BurstFacts {
    const facts = new Array<FactRecord>(end - start);
    const counts = new Array<number>(end - start);
    const values = new Array<number>(end - start);
    for (let k = start; k < end; k++) {
      const i = order[k]!;
      facts[k - start] = fold.facts[i]!;
      counts[k - start] = fold.count[i]!;
      values[k - start] = fold.value[i]!;
    }
    return { facts, counts, values };
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
  const { facts, count: counts, value } = input;
  let peakK = start;
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
      peakK = k;
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
  // the burst's k-th fact
  const nth = (k: number) => facts[order[start + k]!]!;
  const evidence = evidencePositions(end - start, peakK - start, MAX_EVIDENCE).map((k) => evidenceOf(nth(k).record));
  const tagsOut = Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, [...v].slice(0, MAX_TAG_VALUES)]));
  return burstObservation(id, nth(0), nth(end - start - 1), nth(peakK - start), count, peakValue, evidence, tagsOut);
}

/** A kept burst's observation, as {@link foldBurst} makes it of the same facts. */
function stateObservation(state: BurstState, id: string): Observation {
  const f = state.facts;
  const n = f.length;
  const evidence = evidencePositions(n, state.peakPos, MAX_EVIDENCE).map((k) => evidenceOf(f[k]!.record));
  return burstObservation(id, f[0]!, f[n - 1]!, f[state.peakPos]!, state.count, state.peakValue, evidence, state.tagsOut(MAX_TAG_VALUES));
}

/** A burst's observation from what its fold found (the one shape both folds give); times are the facts' corrected ones. */
function burstObservation(id: string, first: FactRecord, last: FactRecord, peak: FactRecord, count: number, peakValue: number, evidence: EvidenceRef[], tags: Record<string, string[]>): Observation {
  const host = hostOf(first);
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
    evidence,
    tags,
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
