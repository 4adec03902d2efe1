/**
 * Folds audit events into an AuditAggregate on a fixed grid over the analysis window, in memory
 * bounded by the grid (not by the number of events): counts per bucket, a log-scale latency
 * histogram per bucket for the quantiles, the busiest user agents, and capped samples.
 */
import type { AnalysisWindow, AuditAggregate, AuditSample } from '../../../correlators/signals/index.js';

/** One second up to 2 h windows, else the step that keeps the grid at 7200 buckets (whole seconds). */
export function auditStepMs(window: AnalysisWindow): number {
  const span = window.toMs - window.fromMs;
  if (span <= 2 * 3600_000) return 1000;
  return Math.ceil(span / 7200 / 1000) * 1000;
}

/**
 * Latency histogram bins: bin 0 below 0.01 ms, then bins growing by 5 % (quantiles within ±2.5 %),
 * up to ~2 h; 420 bins of 4 bytes per grid bucket that saw traffic.
 */
const BIN_MIN_MS = 0.01;
const BIN_FACTOR = 1.05;
const LOG_FACTOR = Math.log(BIN_FACTOR);
const BINS = 420;

function binOf(ms: number): number {
  if (!(ms >= BIN_MIN_MS)) return 0;
  const b = Math.floor(Math.log(ms / BIN_MIN_MS) / LOG_FACTOR) + 1;
  return b >= BINS ? BINS - 1 : b;
}

/** Geometric middle of a bin. */
function binValueMs(b: number): number {
  return b === 0 ? BIN_MIN_MS / 2 : BIN_MIN_MS * BIN_FACTOR ** (b - 1) * Math.sqrt(BIN_FACTOR);
}

export type SampleKind = '5xx' | '429' | '410' | 'slow';
/** Samples kept in total, and per kind so that a storm of one kind (429) leaves room for the others. */
export const MAX_SAMPLES = 3000;
const MAX_SAMPLES_PER_KIND = 1500;
export const SLOW_REQUEST_MS = 1000;
const MAX_USER_AGENTS = 10_000;
const MAX_KEYS = 64;
const TOP_USER_AGENTS = 20;
const OTHER_USER_AGENTS = '(other user agents)';

export function sampleKind(code: number, latencyMs: number | undefined): SampleKind | undefined {
  if (code >= 500) return '5xx';
  if (code === 429) return '429';
  if (code === 410) return '410';
  if (latencyMs !== undefined && latencyMs > SLOW_REQUEST_MS) return 'slow';
  return undefined;
}

export interface UserAgentStats {
  requests: number;
  errors: number;
  throttled: number;
  firstMs: number;
}

/**
 * Everything an aggregator holds, plain enough to cross a worker boundary (structured clone):
 * the partial aggregate of one byte range of a file, merged in file order by `mergeAuditState`.
 * Maps keep first-seen order, which decides what the caps admit.
 */
export interface AuditState {
  total: Uint32Array;
  byVerb: Map<string, Uint32Array>;
  byCode: Map<string, Uint32Array>;
  /** Per grid bucket, a latency histogram (allocated on first use). */
  hist: (Uint32Array | undefined)[];
  latCount: Uint32Array;
  latMin: Float64Array;
  latMax: Float64Array;
  agents: Map<string, UserAgentStats>;
  samples: AuditSample[];
  /** The kind each sample was kept as, beside `samples`. */
  sampleKinds: SampleKind[];
  perKind: Map<SampleKind, number>;
  samplesDropped: number;
  annotations: Map<string, number>;
  /** Events whose stageTimestamp falls outside the grid. */
  outside: number;
  /** A cap folded or dropped keys: such a state depends on what came before it and cannot be merged exactly. */
  agentsOverflow: boolean;
  keysOverflow: boolean;
}

/**
 * `whole`: one pass over a file, every cap applied. `range`: one byte range of a file, to be merged;
 * the total sample cap is left to the merge (it depends on the ranges before), the per-kind cap
 * kept (a sample past it locally is past it in one pass too).
 */
export type AuditFoldMode = 'whole' | 'range';

export class AuditAggregator {
  readonly stepMs: number;
  readonly buckets: number;
  readonly state: AuditState;

  constructor(private readonly sourceId: string, private readonly window: AnalysisWindow, private readonly host?: string, private readonly mode: AuditFoldMode = 'whole') {
    this.stepMs = auditStepMs(window);
    this.buckets = Math.max(1, Math.ceil((window.toMs - window.fromMs) / this.stepMs));
    this.state = {
      total: new Uint32Array(this.buckets),
      byVerb: new Map(),
      byCode: new Map(),
      hist: new Array<Uint32Array | undefined>(this.buckets),
      latCount: new Uint32Array(this.buckets),
      latMin: new Float64Array(this.buckets).fill(Infinity),
      latMax: new Float64Array(this.buckets).fill(-Infinity),
      agents: new Map(),
      samples: [],
      sampleKinds: [],
      perKind: new Map(),
      samplesDropped: 0,
      annotations: new Map(),
      outside: 0,
      agentsOverflow: false,
      keysOverflow: false,
    };
  }

  get outside(): number {
    return this.state.outside;
  }

  get agentsOverflow(): boolean {
    return this.state.agentsOverflow;
  }

  /** Grid bucket of a time, or -1 outside the window. */
  bucketOf(atMs: number): number {
    if (atMs < this.window.fromMs || atMs >= this.window.toMs) return -1;
    return Math.floor((atMs - this.window.fromMs) / this.stepMs);
  }

  /** Adds one request; `latencyMs` undefined for long-running requests (watch) or when unknown. */
  add(atMs: number, verb: string, code: number | undefined, userAgent: string | undefined, latencyMs: number | undefined): boolean {
    const st = this.state;
    const b = this.bucketOf(atMs);
    if (b < 0) {
      st.outside++;
      return false;
    }
    st.total[b]!++;
    keyArray(st, st.byVerb, verb || 'unknown', this.buckets)[b]!++;
    keyArray(st, st.byCode, code === undefined ? 'unknown' : codeKey(code), this.buckets)[b]!++;
    if (latencyMs !== undefined && latencyMs >= 0) {
      let h = st.hist[b];
      if (!h) {
        h = new Uint32Array(BINS);
        st.hist[b] = h;
      }
      h[binOf(latencyMs)]!++;
      st.latCount[b]!++;
      if (latencyMs < st.latMin[b]!) st.latMin[b] = latencyMs;
      if (latencyMs > st.latMax[b]!) st.latMax[b] = latencyMs;
    }
    const ua = userAgent ?? '';
    let s = st.agents.get(ua);
    if (!s) s = this.newAgent(ua, { requests: 0, errors: 0, throttled: 0, firstMs: atMs });
    s.requests++;
    if (code !== undefined && code >= 500) s.errors++;
    if (code === 429) s.throttled++;
    if (atMs < s.firstMs) s.firstMs = atMs;
    return true;
  }

  /** Admits a user agent not seen before, or folds it into the overflow entry past the cap. */
  newAgent(ua: string, fresh: UserAgentStats): UserAgentStats {
    const agents = this.state.agents;
    if (agents.size < MAX_USER_AGENTS) {
      agents.set(ua, fresh);
      return fresh;
    }
    this.state.agentsOverflow = true;
    let s = agents.get(OTHER_USER_AGENTS);
    if (!s) {
      s = { requests: 0, errors: 0, throttled: 0, firstMs: fresh.firstMs };
      agents.set(OTHER_USER_AGENTS, s);
    }
    return s;
  }

  /** Whether a sample of this kind would be kept; counts it as dropped when not. */
  wantSample(kind: SampleKind): boolean {
    const st = this.state;
    const n = st.perKind.get(kind) ?? 0;
    if ((this.mode === 'whole' && st.samples.length >= MAX_SAMPLES) || n >= MAX_SAMPLES_PER_KIND) {
      st.samplesDropped++;
      return false;
    }
    st.perKind.set(kind, n + 1);
    return true;
  }

  addSample(s: AuditSample, kind: SampleKind): void {
    this.state.samples.push(s);
    this.state.sampleKinds.push(kind);
  }

  addAnnotation(name: string, n = 1): void {
    const ann = this.state.annotations;
    if (ann.size >= MAX_KEYS && !ann.has(name)) {
      this.state.keysOverflow = true;
      return;
    }
    ann.set(name, (ann.get(name) ?? 0) + n);
  }

  build(): AuditAggregate {
    const st = this.state;
    const p50: number[] = new Array<number>(this.buckets);
    const p99: number[] = new Array<number>(this.buckets);
    for (let b = 0; b < this.buckets; b++) {
      p50[b] = this.quantile(b, 0.5);
      p99[b] = this.quantile(b, 0.99);
    }
    const agents = [...st.agents.entries()]
      .sort((a, b) => b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, TOP_USER_AGENTS)
      .map(([userAgent, s]) => ({ userAgent, ...s }));
    const agg: AuditAggregate = {
      sourceId: this.sourceId,
      fromMs: this.window.fromMs,
      stepMs: this.stepMs,
      total: Array.from(st.total),
      byVerb: toRecord(st.byVerb),
      byCode: toRecord(st.byCode),
      latencyP50Ms: p50,
      latencyP99Ms: p99,
      topUserAgents: agents,
      samples: st.samples,
      samplesDropped: st.samplesDropped,
      latencyAnnotations: Object.fromEntries([...st.annotations.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
    };
    if (this.host !== undefined) agg.host = this.host;
    return agg;
  }

  /** Nearest-rank quantile from the bucket's histogram, clamped to the latencies actually seen. */
  private quantile(b: number, q: number): number {
    const st = this.state;
    const n = st.latCount[b]!;
    const h = st.hist[b];
    if (!h || n === 0) return NaN;
    const target = Math.max(1, Math.ceil(q * n));
    // the extremes are known exactly
    if (target >= n) return st.latMax[b]!;
    if (target === 1) return st.latMin[b]!;
    let seen = 0;
    for (let i = 0; i < BINS; i++) {
      seen += h[i]!;
      if (seen >= target) return Math.min(st.latMax[b]!, Math.max(st.latMin[b]!, binValueMs(i)));
    }
    return st.latMax[b]!;
  }
}

/** The counts of `key` per bucket; past MAX_KEYS keys, a new key counts as `other`. */
export function keyArray(st: AuditState, m: Map<string, Uint32Array>, key: string, buckets: number): Uint32Array {
  let a = m.get(key);
  if (!a) {
    const k = m.size >= MAX_KEYS ? 'other' : key;
    if (k !== key) st.keysOverflow = true;
    a = m.get(k);
    if (!a) {
      a = new Uint32Array(buckets);
      m.set(k, a);
    }
  }
  return a;
}

// status codes as map keys without a string allocation per line
const CODE_KEYS: string[] = [];
function codeKey(code: number): string {
  if (code >= 0 && code < 1000 && Number.isInteger(code)) return (CODE_KEYS[code] ??= String(code));
  return String(code);
}

function toRecord(m: Map<string, Uint32Array>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const k of [...m.keys()].sort()) out[k] = Array.from(m.get(k)!);
  return out;
}
