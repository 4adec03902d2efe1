/**
 * What one analysis works out that the next analysis of overlapping signals can reuse. A live
 * session analyses its sliding window again each time lines arrive: the records, audit samples
 * and series it saw last time are mostly the same objects again (signals are never changed in
 * place: a series that gained points or lost some to the window is a new object).
 * - Log records: a {@link LogWindow} keeps their facts grouped and works only on the records that
 *   arrived or left since the last analysis.
 * - Per audit sample and per series work (turning a sample into a fact, deriving series, clipping
 *   a series to the window, a series' baseline and episodes) is done once per object and looked
 *   up after that.
 * - What depends on everything together (clock offsets, mechanisms, ranking) is worked out again
 *   from those parts; a burst whose facts did not change is recalled, one whose group slid is
 *   updated, neither is folded again.
 *
 * Pure: no I/O, no clock. One analysis with a fresh cache is the batch analysis.
 */
import { firstIndex } from '../search.js';
import { auditFact, deriveAuditSeries, deriveBlocks, deriveBlocksFrom, DERIVE_INPUTS, EpisodeMemo, FactGroups, type FactRecord, type SeriesRange } from '../anomaly/index.js';
import { classifyLog, linkTo, settleLink, type AuditAggregate, type AuditSample, type LogRecord, type Series, type SignalSet } from '../signals/index.js';
import { LogScan } from './log-scan.js';
import { LogWindow, type LogPass } from './log-window.js';

const DERIVED_FROM = new Set<string>(DERIVE_INPUTS);

function factRecordOf(r: LogRecord): FactRecord | undefined {
  const fact = classifyLog(r);
  return fact ? { fact, record: r, atMs: r.atMs } : undefined;
}

/** Counts of work done and reused, for the live status and the benchmarks. */
export interface CacheStats {
  analyses: number;
  records: { classified: number; reused: number; dropped: number; rescans: number };
  auditSamples: { classified: number; reused: number };
  /**
   * Series searched for episodes and looked up (per rule and clock offset); per series object, its
   * count and range read from all its points or updated from the last tick's (`slid`).
   */
  series: { detected: number; reused: number; read: number; slid: number };
}

/** What is known of one series object: whether its times ascend, and its last clip to a window. */
interface SeriesEntry {
  sorted: boolean;
  clip?: { offsetMs: number; out: SeriesRange };
}

export class AnalysisCache {
  readonly episodes = new EpisodeMemo();
  /** A live session's log facts between analyses (none for one analysis). */
  readonly #window: LogWindow | undefined;
  readonly #audit = new WeakMap<AuditSample, FactRecord | null>();
  readonly #auditSeries = new WeakMap<AuditAggregate, { binMs: number; out: Series[] }>();
  readonly #series = new WeakMap<Series, SeriesEntry>();
  #derived: { inputs: Series[]; blocks: Series[][]; out: Series[] } | undefined;
  #analyses = 0;
  readonly #records = { classified: 0, reused: 0, dropped: 0, rescans: 0 };
  readonly #auditSamples = { classified: 0, reused: 0 };

  /**
   * `live`: keep the window's log facts and each audit sample's fact for later analyses. A single
   * analysis sees each record once, and remembering 100,000 of them costs more than classifying.
   */
  constructor(readonly live = true) {
    this.#window = live ? new LogWindow(factRecordOf) : undefined;
  }

  /** Called once per analysis. */
  begin(): void {
    this.#analyses++;
  }

  stats(): CacheStats {
    return {
      analyses: this.#analyses,
      records: this.#window ? { ...this.#window.stats } : { ...this.#records },
      auditSamples: { ...this.#auditSamples },
      series: { detected: this.episodes.misses, reused: this.episodes.hits, read: this.episodes.read, slid: this.episodes.slid },
    };
  }

  /**
   * The facts of the window's log records and audit samples, grouped, and what topology and
   * coverage read from the records (`wantScheduler`: the scheduler's instances too). One analysis
   * makes them in one pass over the records (each pass over 100,000 records costs a cache miss per
   * record: issue 6); a live session's window updates last analysis's with what changed.
   */
  logPass(signals: SignalSet, wantScheduler: boolean): LogPass {
    const factOfSample = (agg: AuditAggregate, s: AuditSample) => this.auditFactOf(s, agg.sourceId);
    if (this.#window) return this.#window.update(signals.logs, signals.audit, wantScheduler, factOfSample);
    const groups = new FactGroups([], signals.logs.length);
    const scan = new LogScan(wantScheduler);
    const ids = new Set<string>();
    let lastSource: string | undefined;
    for (const r of signals.logs) {
      const fr = factRecordOf(r);
      if (fr) groups.add(fr);
      if (r.sourceId !== lastSource) ids.add((lastSource = r.sourceId));
      scan.add(r);
    }
    this.#records.classified += signals.logs.length;
    for (const agg of signals.audit) {
      for (const s of agg.samples) {
        const fr = factOfSample(agg, s);
        if (fr) groups.add(fr);
      }
    }
    return { groups, scan, sourceIds: ids };
  }

  /** The fact a kept audit request states, with the record it is shown as; once per sample in a live session. */
  auditFactOf(s: AuditSample, sourceId: string): FactRecord | undefined {
    const hit = this.live ? this.#audit.get(s) : undefined;
    if (hit !== undefined) {
      this.#auditSamples.reused++;
      return hit ?? undefined;
    }
    this.#auditSamples.classified++;
    const fact = auditFact(s);
    const fr = fact ? { fact, record: auditRecord(sourceId, s), atMs: s.atMs } : undefined;
    if (this.live) this.#audit.set(s, fr ?? null);
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

  /**
   * deriveSeries, again only when one of the series it reads changed, and then from the last
   * output where the inputs were made from the last ones (series-lineage.ts, deriveBlocksFrom).
   */
  derivedSeries(series: readonly Series[]): Series[] {
    const inputs = series.filter((s) => DERIVED_FROM.has(s.metric));
    const last = this.#derived;
    if (last && last.inputs.length === inputs.length && last.inputs.every((s, i) => s === inputs[i])) return last.out;
    const blocks = (last && this.#spliced(inputs, last)) ?? deriveBlocks(inputs);
    const out = blocks.flat();
    this.#derived = { inputs, blocks, out };
    return out;
  }

  /** The derived blocks of `inputs` updated from the last ones (deriveBlocksFrom), when every input was made from the last one and all ascend. */
  #spliced(inputs: readonly Series[], last: { inputs: readonly Series[]; blocks: Series[][] }): Series[][] | undefined {
    if (!this.live || last.inputs.length !== inputs.length) return undefined;
    const links: { drop: number; keep: number }[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const s = inputs[i]!;
      const before = last.inputs[i]!;
      const link = s === before ? { drop: 0, keep: s.t.length } : linkTo(s, (x) => x === before);
      if (!link || link.keep === 0 || s.metric !== before.metric || !this.#entry(s).sorted || !this.#entry(before).sorted) return undefined;
      links.push(link);
    }
    return deriveBlocksFrom(inputs, links, last.blocks);
  }

  /**
   * The points of `s` whose corrected time falls in [fromMs, toMs], as a range of `s` (no copy):
   * the same object as last time while the same points are, so its episodes are looked up.
   */
  clip(s: Series, offsetMs: number, fromMs: number, toMs: number): SeriesRange {
    const t = s.t;
    const e = this.#entry(s);
    if (!e.sorted) {
      // out of order (a source that merged without sorting): the points in the window, copied
      const keep: number[] = [];
      for (let i = 0; i < t.length; i++) if (t[i]! + offsetMs >= fromMs && t[i]! + offsetMs <= toMs) keep.push(i);
      const copy = { ...s, t: keep.map((i) => t[i]!), v: keep.map((i) => s.v[i]!) };
      return { series: copy, lo: 0, hi: copy.t.length };
    }
    const lo = firstIndex(t.length, (i) => t[i]! + offsetMs >= fromMs);
    const hi = firstIndex(t.length, (i) => t[i]! + offsetMs > toMs);
    const last = e.clip;
    if (last && last.offsetMs === offsetMs && last.out.lo === lo && last.out.hi === hi) return last.out;
    const out = lo === 0 && hi >= t.length ? this.episodes.whole(s) : { series: s, lo, hi };
    e.clip = { offsetMs, out };
    return out;
  }

  /** What is known of a series object: whether its times ascend (read from where a sorted ancestor's points end). */
  #entry(s: Series): SeriesEntry {
    let e = this.#series.get(s);
    if (e) return e;
    const t = s.t;
    // the points a sorted ancestor passed on are in order (series-lineage.ts): only the rest is read
    const up = linkTo(s, (a) => this.#series.has(a));
    let sorted = true;
    for (let i = up && this.#series.get(up.parent)!.sorted ? Math.max(1, up.keep) : 1; i < t.length && sorted; i++) sorted = t[i - 1]! <= t[i]!;
    this.#series.set(s, (e = { sorted }));
    return e;
  }

  /**
   * Called with the series of an analysis when it is done: what the next analysis needs of them is
   * known (episodes' counts and extremes, sortedness, clips), so their links to older series are
   * cut and the next tick's series, linked to these, hold one generation (series-lineage.ts).
   */
  settle(series: readonly Series[]): void {
    for (const s of series) settleLink(s);
  }
}

/** How a kept audit request shows on the timeline: as a log record of the audit source. */
function auditRecord(sourceId: string, s: AuditSample): LogRecord {
  return {
    atMs: s.atMs,
    sourceId,
    component: 'audit',
    severity: s.code >= 500 ? 'error' : s.code >= 400 ? 'warn' : 'info',
    message: `${s.verb.toUpperCase()} ${s.resource ?? ''} ${s.code}${s.message ? `: ${s.message}` : ''} (${Math.round(s.latencyMs)} ms, ${s.userAgent ?? 'unknown agent'})`,
    fields: { code: s.code, verb: s.verb, latencyMs: s.latencyMs, ...(s.userAgent ? { userAgent: s.userAgent } : {}) },
    file: s.file ?? sourceId,
    line: s.line ?? 0,
    raw: s.raw,
  };
}
