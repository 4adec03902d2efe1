/**
 * The accumulated signals of a live session, by part (a followed file, a polled server): log
 * records in time order per part, the part's current series and audit aggregates, its report.
 * New records are appended, a document's replace its old ones, and `trim` cuts everything before
 * the sliding window (with a hard cap on records), so memory follows the window, not the uptime.
 * `snapshot` assembles one SignalSet for the correlators. Its records in time order are the last
 * snapshot's with the window's head cut and the records appended since merged in near the tail:
 * a tick costs a copy of the window plus a merge of what is new, not a merge of every part again
 * (a full merge when parts were replaced, removed or capped, or two records tie).
 */
import { relateSeries, settleLink, type AnalysisWindow, type AuditAggregate, type LogRecord, type Series, type SignalSet, type SourceReport } from '../../correlators/signals/index.js';
import { firstIndex } from '../../correlators/search.js';
import { combineSourceReports, seriesKey, trimAudit, trimSeries } from './merge-signals.js';

export const DEFAULT_MAX_RECORDS = 200_000;

interface Part {
  logs: LogRecord[];
  series: Series[];
  audit: AuditAggregate[];
  reports: SourceReport[];
}

export class SignalStore {
  readonly #parts = new Map<string, Part>();
  #records = 0;
  /** Records dropped by the cap (not by the window). */
  capped = 0;
  /** The last snapshot's records, while appends and trims are all that happened since. */
  #merged: LogRecord[] | undefined;
  /** Records appended since the last snapshot. */
  #pending: LogRecord[] = [];
  /** Where the last trim cut. */
  #fromMs = -Infinity;
  /** Snapshots merged from every part / from the last one (for tests and the status). */
  readonly merges = { full: 0, incremental: 0 };

  /** `incremental` false: every snapshot merges every part (the reference the tests compare with). */
  constructor(
    readonly maxRecords = DEFAULT_MAX_RECORDS,
    readonly incremental = true,
  ) {}

  get records(): number {
    return this.#records;
  }

  #part(key: string): Part {
    let p = this.#parts.get(key);
    if (!p) {
      p = { logs: [], series: [], audit: [], reports: [] };
      this.#parts.set(key, p);
    }
    return p;
  }

  /** Adds records (any order) to a part's. */
  appendLogs(key: string, logs: readonly LogRecord[]): void {
    if (logs.length === 0) return;
    const p = this.#part(key);
    const batch = [...logs].sort(compareRecords);
    const last = p.logs[p.logs.length - 1];
    if (!last || compareRecords(last, batch[0]!) <= 0) p.logs.push(...batch);
    else p.logs = mergeSorted(p.logs, batch);
    this.#records += batch.length;
    if (this.#merged) for (const r of batch) this.#pending.push(r);
  }

  replaceLogs(key: string, logs: readonly LogRecord[]): void {
    this.#merged = undefined;
    const p = this.#part(key);
    this.#records += logs.length - p.logs.length;
    p.logs = [...logs].sort(compareRecords);
  }

  /**
   * Replaces a part's series and audit aggregates. A source rebuilds its series when it reads
   * more (a file's parsers merged again, a polled range appended), so each is linked to the one it
   * replaces by comparing their points (series-lineage.ts): the analysis then updates what it knew
   * of the old one with the points that changed, instead of reading every point again.
   */
  setAggregates(key: string, series: Series[], audit: AuditAggregate[]): void {
    const p = this.#part(key);
    if (series === p.series) {
      p.audit = audit;
      return;
    }
    // cut where the last trim cut, so that a series and the one it replaces start together
    const cut = this.#fromMs === -Infinity ? series : series.map((s) => trimSeries(s, this.#fromMs)).filter((s): s is Series => s !== undefined);
    const before = new Map(p.series.map((s) => [seriesKey(s), s]));
    for (const s of cut) {
      // what the source made it from is the source's business: it is linked to what the analysis saw
      settleLink(s);
      const prev = before.get(seriesKey(s));
      if (prev) relateSeries(s, prev);
    }
    p.series = cut;
    p.audit = audit;
  }

  /** The part's source reports (a polled server may report several sources). */
  setReport(key: string, report: SourceReport | SourceReport[]): void {
    this.#part(key).reports = Array.isArray(report) ? report : [report];
  }

  /** Forgets a part (a file that vanished and left the window). */
  remove(key: string): void {
    const p = this.#parts.get(key);
    if (p) this.#records -= p.logs.length;
    this.#parts.delete(key);
    this.#merged = undefined;
  }

  /** Drops everything before `fromMs`; then, over the cap, the oldest records. */
  trim(fromMs: number): void {
    this.#fromMs = Math.max(this.#fromMs, fromMs);
    for (const p of this.#parts.values()) {
      const i = firstAtOrAfter(p.logs, fromMs);
      if (i > 0) {
        p.logs = p.logs.slice(i);
        this.#records -= i;
      }
      p.series = p.series.map((s) => trimSeries(s, fromMs, true)).filter((s): s is Series => s !== undefined);
      p.audit = p.audit.map((a) => trimAudit(a, fromMs)).filter((a): a is AuditAggregate => a !== undefined);
    }
    if (this.#merged) {
      const i = firstAtOrAfter(this.#merged, fromMs);
      if (i > 0) this.#merged = this.#merged.slice(i);
      this.#pending = this.#pending.filter((r) => r.atMs >= fromMs);
    }
    if (this.#records > this.maxRecords) this.#capRecords();
  }

  /** Drops the oldest records across parts until the cap holds. */
  #capRecords(): void {
    this.#merged = undefined;
    const times = [...this.#parts.values()].flatMap((p) => p.logs.map((r) => r.atMs)).sort((a, b) => a - b);
    const cutMs = times[this.#records - this.maxRecords] ?? Infinity;
    for (const p of this.#parts.values()) {
      const i = firstAtOrAfter(p.logs, cutMs);
      if (i > 0) {
        p.logs = p.logs.slice(i);
        this.#records -= i;
        this.capped += i;
      }
    }
  }

  /** Every part's records in time order: the last snapshot's updated when it can be, else merged afresh. */
  #mergedLogs(parts: readonly Part[]): LogRecord[] {
    const updated = this.incremental && this.#merged ? mergeInto(this.#merged, this.#pending) : undefined;
    if (updated) this.merges.incremental++;
    else this.merges.full++;
    const logs = updated ?? mergeMany(parts.map((p) => p.logs));
    this.#merged = logs;
    this.#pending = [];
    return logs;
  }

  /** The signals of `window` for the correlators: records in time order, one report per source. */
  snapshot(window: AnalysisWindow): SignalSet {
    const parts = [...this.#parts.values()];
    const logs = this.#mergedLogs(parts);
    const bySource = new Map<string, SourceReport[]>();
    for (const r of parts.flatMap((p) => p.reports)) {
      const list = bySource.get(r.sourceId);
      if (list) list.push(r);
      else bySource.set(r.sourceId, [r]);
    }
    const sources = [...bySource.values()].map((list) => combineSourceReports(list));
    sources.sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0));
    if (this.capped > 0 && sources[0]) {
      const first = (sources[0] = { ...sources[0] });
      first.limits = [...(first.limits ?? []), `live: ${this.capped} oldest records dropped to stay under ${this.maxRecords} in memory`];
    }
    return { window, logs, series: parts.flatMap((p) => p.series), audit: parts.flatMap((p) => p.audit), sources };
  }
}

/**
 * `merged` with `pending` merged in, as {@link mergeMany} of the parts would order them; undefined
 * when two records tie (equal time, source and line), where only the parts' order decides.
 */
export function mergeInto(merged: LogRecord[], pending: readonly LogRecord[]): LogRecord[] | undefined {
  // snapshots are never changed in place: the same array serves again
  if (pending.length === 0) return merged;
  const batch = [...pending].sort(compareRecords);
  for (let k = 1; k < batch.length; k++) if (compareRecords(batch[k - 1]!, batch[k]!) === 0) return undefined;
  // the old records before the first new one stay as they are
  const first = batch[0]!;
  const p = firstIndex(merged.length, (i) => compareRecords(merged[i]!, first) >= 0);
  const out = merged.slice(0, p);
  let i = p;
  let j = 0;
  while (i < merged.length && j < batch.length) {
    const c = compareRecords(merged[i]!, batch[j]!);
    if (c === 0) return undefined;
    out.push(c < 0 ? merged[i++]! : batch[j++]!);
  }
  while (i < merged.length) out.push(merged[i++]!);
  while (j < batch.length) out.push(batch[j++]!);
  return out;
}

/** The batch reader's order: time, then source, then line. */
export function compareRecords(a: LogRecord, b: LogRecord): number {
  return a.atMs - b.atMs || (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0) || a.line - b.line;
}

function firstAtOrAfter(logs: readonly LogRecord[], ms: number): number {
  return firstIndex(logs.length, (i) => logs[i]!.atMs >= ms);
}

function mergeSorted(a: readonly LogRecord[], b: readonly LogRecord[]): LogRecord[] {
  const out: LogRecord[] = new Array<LogRecord>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = compareRecords(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** k sorted lists into one, pairwise (log k rounds of linear merges). */
export function mergeMany(lists: readonly (readonly LogRecord[])[]): LogRecord[] {
  let round = lists.filter((l) => l.length > 0);
  if (round.length === 0) return [];
  while (round.length > 1) {
    const next: (readonly LogRecord[])[] = [];
    for (let i = 0; i < round.length; i += 2) next.push(i + 1 < round.length ? mergeSorted(round[i]!, round[i + 1]!) : round[i]!);
    round = next;
  }
  return [...round[0]!];
}
