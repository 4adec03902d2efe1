/**
 * What one analysis works out that the next analysis of overlapping signals can reuse. A live
 * session analyses its sliding window again each time lines arrive: the records, audit samples
 * and series it saw last time are mostly the same objects again (signals are never changed in
 * place: a series that gained points or lost some to the window is a new object). Per record and
 * per series work (classifying a line, turning an audit sample into a fact, deriving series,
 * clipping a series to the window, a series' baseline and episodes) is done once per object and
 * looked up after that; what depends on all of them together (clock offsets, bursts, mechanisms,
 * ranking) is worked out again from those parts, which is cheap.
 *
 * Pure: no I/O, no clock. One analysis with a fresh cache is the batch analysis.
 */
import { firstIndex } from '../search.js';
import { auditFact, deriveAuditSeries, deriveSeries, DERIVE_INPUTS, EpisodeMemo, type FactRecord } from '../anomaly/index.js';
import { classifyLog, type AuditAggregate, type AuditSample, type LogRecord, type Series } from '../signals/index.js';

const DERIVED_FROM = new Set<string>(DERIVE_INPUTS);

function factRecordOf(r: LogRecord): FactRecord | undefined {
  const fact = classifyLog(r);
  return fact ? { fact, record: r, atMs: r.atMs } : undefined;
}

/** Counts of work done and reused, for the live status and the benchmarks. */
export interface CacheStats {
  analyses: number;
  records: { classified: number; reused: number };
  auditSamples: { classified: number; reused: number };
  series: { detected: number; reused: number };
}

/** What is known of one series object: whether its times ascend, and its last clip to a window. */
interface SeriesEntry {
  sorted: boolean;
  clip?: { offsetMs: number; lo: number; hi: number; out: Series };
}

export class AnalysisCache {
  readonly episodes = new EpisodeMemo();
  readonly #facts = new WeakMap<LogRecord, FactRecord | null>();
  readonly #audit = new WeakMap<AuditSample, FactRecord | null>();
  readonly #auditSeries = new WeakMap<AuditAggregate, { binMs: number; out: Series[] }>();
  readonly #series = new WeakMap<Series, SeriesEntry>();
  #derived: { inputs: Series[]; out: Series[] } | undefined;
  #analyses = 0;
  readonly #records = { classified: 0, reused: 0 };
  readonly #auditSamples = { classified: 0, reused: 0 };

  /**
   * `keepRecords`: remember each record's and audit sample's fact for later analyses. A single
   * analysis sees each record once, and remembering 100,000 of them costs more than classifying.
   */
  constructor(readonly keepRecords = true) {}

  /** Called once per analysis. */
  begin(): void {
    this.#analyses++;
  }

  stats(): CacheStats {
    return {
      analyses: this.#analyses,
      records: { ...this.#records },
      auditSamples: { ...this.#auditSamples },
      series: { detected: this.episodes.misses, reused: this.episodes.hits },
    };
  }

  /** The fact a log record states (classifyLog) with the record, at its own time; once per record. */
  factOf(r: LogRecord): FactRecord | undefined {
    if (this.keepRecords) return this.#remember(this.#facts, r, this.#records, () => factRecordOf(r));
    // a one-shot analysis: no closure or map per record
    this.#records.classified++;
    return factRecordOf(r);
  }

  /** The fact a kept audit request states, with the record it is shown as; once per sample. */
  auditFactOf(s: AuditSample, toRecord: (s: AuditSample) => LogRecord): FactRecord | undefined {
    return this.#remember(this.#audit, s, this.#auditSamples, () => {
      const fact = auditFact(s);
      return fact ? { fact, record: toRecord(s), atMs: s.atMs } : undefined;
    });
  }

  #remember<K extends object>(known: WeakMap<K, FactRecord | null>, key: K, count: { classified: number; reused: number }, make: () => FactRecord | undefined): FactRecord | undefined {
    const hit = this.keepRecords ? known.get(key) : undefined;
    if (hit !== undefined) {
      count.reused++;
      return hit ?? undefined;
    }
    count.classified++;
    const fr = make();
    if (this.keepRecords) known.set(key, fr ?? null);
    return fr;
  }

  /** deriveAuditSeries, once per aggregate object. */
  auditSeries(a: AuditAggregate, binMs: number): Series[] {
    const known = this.#auditSeries.get(a);
    if (known && known.binMs === binMs) return known.out;
    const out = deriveAuditSeries(a, binMs);
    this.#auditSeries.set(a, { binMs, out });
    return out;
  }

  /** deriveSeries, again only when one of the series it reads changed. */
  derivedSeries(series: readonly Series[]): Series[] {
    const inputs = series.filter((s) => DERIVED_FROM.has(s.metric));
    const last = this.#derived;
    if (last && last.inputs.length === inputs.length && last.inputs.every((s, i) => s === inputs[i])) return last.out;
    const out = deriveSeries(inputs);
    this.#derived = { inputs, out };
    return out;
  }

  /**
   * The points of `s` whose corrected time falls in [fromMs, toMs]: `s` itself when all do, and
   * the same object as last time when the same points do (so its episodes are not looked for again).
   */
  clip(s: Series, offsetMs: number, fromMs: number, toMs: number): Series {
    const t = s.t;
    let e = this.#series.get(s);
    if (!e) {
      let sorted = true;
      for (let i = 1; i < t.length && sorted; i++) sorted = t[i - 1]! <= t[i]!;
      this.#series.set(s, (e = { sorted }));
    }
    if (!e.sorted) {
      const keep: number[] = [];
      for (let i = 0; i < t.length; i++) if (t[i]! + offsetMs >= fromMs && t[i]! + offsetMs <= toMs) keep.push(i);
      return { ...s, t: keep.map((i) => t[i]!), v: keep.map((i) => s.v[i]!) };
    }
    const lo = firstIndex(t.length, (i) => t[i]! + offsetMs >= fromMs);
    const hi = firstIndex(t.length, (i) => t[i]! + offsetMs > toMs);
    if (lo === 0 && hi >= t.length) return s;
    const last = e.clip;
    if (last && last.offsetMs === offsetMs && last.lo === lo && last.hi === hi) return last.out;
    const out = { ...s, t: t.slice(lo, hi), v: s.v.slice(lo, hi) };
    e.clip = { offsetMs, lo, hi, out };
    return out;
  }
}
