/**
 * What a parser of one file writes to: records (kept within the retention range and by
 * `keepLog`), series, audit aggregates, and the file's SourceReport (counts, bad lines, limits).
 */
import type {
  AnalysisWindow,
  AuditAggregate,
  Component,
  LogRecord,
  Series,
  Severity,
  SourceReport,
} from '../../../correlators/signals/index.js';
import { createYearResolver } from './civil-time.js';
import type { ZoneChoice } from './infer-zone.js';
import type { PathHints } from './path-hints.js';

/** Log records and points this long before the window are kept: they may explain its start. */
export const KEEP_BEFORE_MS = 60 * 60_000;
/** ...and this long after it. */
export const KEEP_AFTER_MS = 10 * 60_000;
export const MAX_BAD_SAMPLES = 20;
export const MAX_RAW_CHARS = 1000;
const MAX_EXCERPT_CHARS = 200;

/** `1 line` / `3 lines`: notes read as sentences. */
export function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function wasWere(n: number): string {
  return n === 1 ? 'was' : 'were';
}

export type RecordFields = Record<string, string | number | boolean>;

/** Where a parser's output goes; one per file. */
export class FileContext {
  readonly report: SourceReport;
  readonly logs: LogRecord[] = [];
  readonly series: Series[] = [];
  readonly audit: AuditAggregate[] = [];
  /** The zone for offset-less timestamps, when the format needs one. */
  zone: ZoneChoice | undefined;
  /** The year of a month/day written without one, nearest the window. */
  readonly yearOf: (month: number, day: number) => number;
  private readonly limitNotes = new Set<string>();
  private outside = 0;

  constructor(
    readonly sourceId: string,
    readonly window: AnalysisWindow,
    readonly hints: PathHints,
    private readonly keepLog: ((r: LogRecord) => boolean) | undefined,
    bytes: number,
  ) {
    this.yearOf = createYearResolver(window);
    this.report = { sourceId, format: 'unknown', status: 'ok', lines: 0, records: 0, badLines: 0, badSamples: [], bytes };
  }

  /** Counts a parsed record's time in the file's span, as written. */
  seen(atMs: number): void {
    const r = this.report;
    if (r.firstMs === undefined || atMs < r.firstMs) r.firstMs = atMs;
    if (r.lastMs === undefined || atMs > r.lastMs) r.lastMs = atMs;
  }

  inKeptRange(atMs: number): boolean {
    return atMs >= this.window.fromMs - KEEP_BEFORE_MS && atMs < this.window.toMs + KEEP_AFTER_MS;
  }

  /** Adds one parsed record; `keepEarlier` keeps it however long before the window (Events). */
  addLog(r: LogRecord, keepEarlier = false): void {
    this.report.records++;
    this.seen(r.atMs);
    const inRange = keepEarlier ? r.atMs < this.window.toMs + KEEP_AFTER_MS : this.inKeptRange(r.atMs);
    if (!inRange) {
      this.outside++;
      return;
    }
    if (this.keepLog && !this.keepLog(r)) return;
    this.logs.push(r);
  }

  /** Builds a record with this file's ids; `raw` is truncated. */
  record(line: number, raw: string, atMs: number, component: Component, severity: Severity, message: string, fields: RecordFields, host?: string): LogRecord {
    const r: LogRecord = {
      atMs,
      sourceId: this.sourceId,
      component,
      severity,
      message,
      fields,
      file: this.sourceId,
      line,
      raw: raw.length > MAX_RAW_CHARS ? raw.slice(0, MAX_RAW_CHARS) : raw,
    };
    if (host !== undefined) r.host = host;
    return r;
  }

  bad(line: number, reason: string, text: string): void {
    const r = this.report;
    r.badLines++;
    if (r.badSamples.length < MAX_BAD_SAMPLES) {
      r.badSamples.push({ file: this.sourceId, line, reason, excerpt: text.length > MAX_EXCERPT_CHARS ? text.slice(0, MAX_EXCERPT_CHARS) : text });
    }
  }

  /** A limit that was hit or a caveat the user should know (deduplicated). */
  limit(note: string): void {
    this.limitNotes.add(note);
  }

  /** Counts a record or point dropped for lying outside the kept range. */
  dropOutside(n = 1): void {
    this.outside += n;
  }

  /** Fills the report's status and notes once the file is read. */
  finish(): SourceReport {
    const r = this.report;
    if (this.outside > 0) this.limitNotes.add(`${counted(this.outside, 'record', 'records')} outside the kept range (1 h before the window to 10 min after) ${wasWere(this.outside)} dropped`);
    if (this.limitNotes.size) r.limits = [...this.limitNotes];
    if (this.zone) {
      r.zone = this.zone.zone.name;
      r.zoneReason = this.zone.reason;
    }
    if (r.status === 'ok' && r.lines > 0 && r.badLines / r.lines > 0.01) {
      r.status = 'degraded';
      r.message ??= `${r.badLines} of ${r.lines} lines could not be parsed`;
    }
    return r;
  }
}
