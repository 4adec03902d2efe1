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

interface UserAgentStats {
  requests: number;
  errors: number;
  throttled: number;
  firstMs: number;
}

export class AuditAggregator {
  readonly stepMs: number;
  readonly buckets: number;
  private readonly total: Uint32Array;
  private readonly byVerb = new Map<string, Uint32Array>();
  private readonly byCode = new Map<string, Uint32Array>();
  private readonly hist: (Uint32Array | undefined)[];
  private readonly latCount: Uint32Array;
  private readonly latMin: Float64Array;
  private readonly latMax: Float64Array;
  private readonly agents = new Map<string, UserAgentStats>();
  private readonly samples: AuditSample[] = [];
  private readonly perKind = new Map<SampleKind, number>();
  private samplesDropped = 0;
  private readonly annotations = new Map<string, number>();
  /** Events whose stageTimestamp falls outside the grid. */
  outside = 0;
  agentsOverflow = false;

  constructor(private readonly sourceId: string, private readonly window: AnalysisWindow, private readonly host?: string) {
    this.stepMs = auditStepMs(window);
    this.buckets = Math.max(1, Math.ceil((window.toMs - window.fromMs) / this.stepMs));
    this.total = new Uint32Array(this.buckets);
    this.hist = new Array<Uint32Array | undefined>(this.buckets);
    this.latCount = new Uint32Array(this.buckets);
    this.latMin = new Float64Array(this.buckets).fill(Infinity);
    this.latMax = new Float64Array(this.buckets).fill(-Infinity);
  }

  /** Grid bucket of a time, or -1 outside the window. */
  bucketOf(atMs: number): number {
    if (atMs < this.window.fromMs || atMs >= this.window.toMs) return -1;
    return Math.floor((atMs - this.window.fromMs) / this.stepMs);
  }

  /** Adds one request; `latencyMs` undefined for long-running requests (watch) or when unknown. */
  add(atMs: number, verb: string, code: number | undefined, userAgent: string | undefined, latencyMs: number | undefined): boolean {
    const b = this.bucketOf(atMs);
    if (b < 0) {
      this.outside++;
      return false;
    }
    this.total[b]!++;
    countInto(this.byVerb, verb || 'unknown', b, this.buckets);
    countInto(this.byCode, code === undefined ? 'unknown' : String(code), b, this.buckets);
    if (latencyMs !== undefined && latencyMs >= 0) {
      let h = this.hist[b];
      if (!h) {
        h = new Uint32Array(BINS);
        this.hist[b] = h;
      }
      h[binOf(latencyMs)]!++;
      this.latCount[b]!++;
      if (latencyMs < this.latMin[b]!) this.latMin[b] = latencyMs;
      if (latencyMs > this.latMax[b]!) this.latMax[b] = latencyMs;
    }
    const ua = userAgent ?? '';
    let s = this.agents.get(ua);
    if (!s) {
      if (this.agents.size >= MAX_USER_AGENTS) {
        this.agentsOverflow = true;
        s = this.agents.get(OTHER_USER_AGENTS);
        if (!s) {
          s = { requests: 0, errors: 0, throttled: 0, firstMs: atMs };
          this.agents.set(OTHER_USER_AGENTS, s);
        }
      } else {
        s = { requests: 0, errors: 0, throttled: 0, firstMs: atMs };
        this.agents.set(ua, s);
      }
    }
    s.requests++;
    if (code !== undefined && code >= 500) s.errors++;
    if (code === 429) s.throttled++;
    if (atMs < s.firstMs) s.firstMs = atMs;
    return true;
  }

  /** Whether a sample of this kind would be kept; counts it as dropped when not. */
  wantSample(kind: SampleKind): boolean {
    const n = this.perKind.get(kind) ?? 0;
    if (this.samples.length >= MAX_SAMPLES || n >= MAX_SAMPLES_PER_KIND) {
      this.samplesDropped++;
      return false;
    }
    this.perKind.set(kind, n + 1);
    return true;
  }

  addSample(s: AuditSample): void {
    this.samples.push(s);
  }

  addAnnotation(name: string): void {
    if (this.annotations.size >= MAX_KEYS && !this.annotations.has(name)) return;
    this.annotations.set(name, (this.annotations.get(name) ?? 0) + 1);
  }

  build(): AuditAggregate {
    const p50: number[] = new Array<number>(this.buckets);
    const p99: number[] = new Array<number>(this.buckets);
    for (let b = 0; b < this.buckets; b++) {
      p50[b] = this.quantile(b, 0.5);
      p99[b] = this.quantile(b, 0.99);
    }
    const agents = [...this.agents.entries()]
      .sort((a, b) => b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, TOP_USER_AGENTS)
      .map(([userAgent, s]) => ({ userAgent, ...s }));
    const agg: AuditAggregate = {
      sourceId: this.sourceId,
      fromMs: this.window.fromMs,
      stepMs: this.stepMs,
      total: Array.from(this.total),
      byVerb: toRecord(this.byVerb),
      byCode: toRecord(this.byCode),
      latencyP50Ms: p50,
      latencyP99Ms: p99,
      topUserAgents: agents,
      samples: this.samples,
      samplesDropped: this.samplesDropped,
      latencyAnnotations: Object.fromEntries([...this.annotations.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
    };
    if (this.host !== undefined) agg.host = this.host;
    return agg;
  }

  /** Nearest-rank quantile from the bucket's histogram, clamped to the latencies actually seen. */
  private quantile(b: number, q: number): number {
    const n = this.latCount[b]!;
    const h = this.hist[b];
    if (!h || n === 0) return NaN;
    const target = Math.max(1, Math.ceil(q * n));
    // the extremes are known exactly
    if (target >= n) return this.latMax[b]!;
    if (target === 1) return this.latMin[b]!;
    let seen = 0;
    for (let i = 0; i < BINS; i++) {
      seen += h[i]!;
      if (seen >= target) return Math.min(this.latMax[b]!, Math.max(this.latMin[b]!, binValueMs(i)));
    }
    return this.latMax[b]!;
  }
}

function countInto(m: Map<string, Uint32Array>, key: string, b: number, n: number): void {
  let a = m.get(key);
  if (!a) {
    const k = m.size >= MAX_KEYS ? 'other' : key;
    a = m.get(k);
    if (!a) {
      a = new Uint32Array(n);
      m.set(k, a);
    }
  }
  a[b]!++;
}

function toRecord(m: Map<string, Uint32Array>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const k of [...m.keys()].sort()) out[k] = Array.from(m.get(k)!);
  return out;
}
