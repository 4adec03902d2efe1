/**
 * A server-backed source (Prometheus, Elasticsearch: any SignalSource) polled incrementally: the
 * first poll fetches the whole window, each later one only the range since the last (plus a short
 * overlap, since the newest points and documents may still arrive late). The overlap replaces
 * what the previous poll gave for it, so nothing is counted twice.
 */
import type { AnalysisWindow, AuditAggregate, LogRecord, Series, SourceReport } from '../../correlators/signals/index.js';
import type { SignalSource } from '../sources/types.js';
import { appendSeriesParts, lowerBound, mergeAuditAggregates, trimAudit, trimSeries, truncateAudit } from './merge-signals.js';
import type { SignalStore } from './signal-store.js';

export interface PolledSourceOptions {
  /** How often the server is asked, ms. */
  intervalMs: number;
  /** Re-fetched before the last range's end, ms: late scrapes and late-indexed documents. */
  overlapMs: number;
  /** The sliding window: the first poll fetches it whole (and the context before it). */
  windowMs: number;
}

/** Context read before the window's start (as the file source keeps). */
const CONTEXT_MS = 10 * 60_000;

export class PolledSource {
  readonly key: string;
  #cursorMs: number | undefined;
  #lastPollWallMs = -Infinity;
  #series: Series[] = [];
  #logs: LogRecord[] = [];
  #audit: AuditAggregate[] = [];
  /** Per source id, the end of the last poll it answered. */
  readonly #answeredUntil = new Map<string, number>();
  /** Each fetched range, newest last (for tests and the status line). */
  readonly ranges: AnalysisWindow[] = [];

  constructor(private readonly source: SignalSource, private readonly options: PolledSourceOptions) {
    this.key = `poll:${source.name}`;
  }

  get name(): string {
    return this.source.name;
  }

  /** Whether a poll is due at wall time `wallMs`. */
  isDue(wallMs: number): boolean {
    return wallMs - this.#lastPollWallMs >= this.options.intervalMs;
  }

  /**
   * Fetches the range not fetched yet, up to the clock `clockMs`, into the store. Returns whether
   * anything was fetched. A failing server is the source's report (degraded / failed), never a throw.
   */
  async poll(clockMs: number, wallMs: number, store: SignalStore, signal?: AbortSignal): Promise<boolean> {
    const fromMs = this.#cursorMs === undefined ? clockMs - this.options.windowMs - CONTEXT_MS : Math.min(this.#cursorMs, clockMs) - this.options.overlapMs;
    const toMs = clockMs;
    if (toMs - fromMs < 1000) return false;
    this.#lastPollWallMs = wallMs;
    const range = { fromMs, toMs };
    let reports: SourceReport[];
    try {
      const set = await this.source.fetch(range, signal ? { signal } : {});
      this.#replaceRange(range, set.series, set.logs, set.audit);
      reports = set.sources;
    } catch (err) {
      reports = [{ sourceId: this.source.name, format: 'server', status: 'failed', message: `poll failed: ${err instanceof Error ? err.message : String(err)}`, lines: 0, records: 0, badLines: 0, badSamples: [], bytes: 0, ...(this.source.evidence ? { evidence: [...this.source.evidence] } : {}) }];
    }
    reports = this.#keptOnFailure(reports, toMs);
    this.ranges.push(range);
    if (this.ranges.length > 100) this.ranges.shift();
    this.#cursorMs = toMs;
    store.replaceLogs(this.key, this.#logs);
    store.setAggregates(this.key, this.#series, this.#audit);
    store.setReport(this.key, reports);
    return true;
  }

  /**
   * A source that answered earlier polls and fails this one is `degraded`, not `failed`: what the
   * earlier polls gave is still in the window. The message says so, and up to when.
   */
  #keptOnFailure(reports: SourceReport[], toMs: number): SourceReport[] {
    const out = reports.map((r) => {
      const okUntil = this.#answeredUntil.get(r.sourceId);
      if (r.status !== 'failed' || okUntil === undefined) return r;
      return { ...r, status: 'degraded' as const, message: `${r.message ?? 'failed'}; earlier polls answered up to ${new Date(okUntil).toISOString()}, their data is kept` };
    });
    for (const r of reports) if (r.status === 'ok' || r.status === 'degraded') this.#answeredUntil.set(r.sourceId, toMs);
    return out;
  }

  #replaceRange(range: AnalysisWindow, series: Series[], logs: LogRecord[], audit: AuditAggregate[]): void {
    const kept = this.#series.map((s) => truncateSeries(s, range.fromMs)).filter((s): s is Series => s !== undefined);
    this.#series = appendSeriesParts(kept, series);
    this.#logs = this.#logs.filter((r) => r.atMs < range.fromMs).concat(logs);
    const before = this.#audit.map((a) => truncateAudit(a, range.fromMs)).filter((a): a is AuditAggregate => a !== undefined);
    this.#audit = mergeAuditAggregates([...before, ...audit]);
  }

  /** Drops what lies before `fromMs`. */
  trim(fromMs: number): void {
    this.#series = this.#series.map((s) => trimSeries(s, fromMs)).filter((s): s is Series => s !== undefined);
    this.#logs = this.#logs.filter((r) => r.atMs >= fromMs);
    this.#audit = this.#audit.map((a) => trimAudit(a, fromMs)).filter((a): a is AuditAggregate => a !== undefined);
  }
}

/** The series without its points from `toMs` on. */
function truncateSeries(s: Series, toMs: number): Series | undefined {
  const i = lowerBound(s.t, toMs);
  if (i === 0) return undefined;
  if (i >= s.t.length) return s;
  return { ...s, t: s.t.slice(0, i), v: s.v.slice(0, i) };
}
