/**
 * One followed file of a live bundle: its tail, its format (sniffed from its first lines once
 * there are enough), and the generations of parsers fed its new lines. A generation covers a
 * stretch of the sliding window; when the clock passes it, it is sealed (its final series and
 * audit aggregates kept until they fall out of the window) and a new one starts, so memory stays
 * bounded however long the file is followed. Documents (events JSON) and compressed files are
 * read whole instead, when they change.
 */
import { stat } from 'node:fs/promises';
import type { AnalysisWindow, AuditAggregate, LogRecord, Series, SourceReport } from '../../correlators/signals/index.js';
import type { ZoneChoice } from '../sources/files/infer-zone.js';
import type { SniffResult } from '../sources/files/line-handler.js';
import { hintsFromPath } from '../sources/files/path-hints.js';
import { readHead } from '../sources/files/read-text.js';
import { sniffFormat } from '../sources/files/sniff-format.js';
import { isIostatStamp, splitCompleteRecords } from './hold-back.js';
import { combineSourceReports, mergeAuditAggregates, mergeSeriesParts, trimAudit, trimSeries } from './merge-signals.js';
import { createAppendedLineParser, formatHasZone, liveReadModeOf, parseDocumentFile, type AppendedLineParser, type LiveReadMode } from './parse-appended.js';
import { FileTail, type TailLine } from './tail-file.js';

/** A generation reads this long (of the clock) before the next one takes over. */
export function generationMs(windowMs: number): number {
  return Math.min(30 * 60_000, Math.max(5 * 60_000, Math.round(windowMs / 2)));
}
/** A new generation still accepts records this late (hosts and writers lag). */
const LATE_MS = 5 * 60_000;
/** ...and this far ahead of the clock (one tick may carry this much new data time). */
const AHEAD_MS = 15 * 60_000;
/** The sniffer wants this much text; a smaller file is sniffed again when it grows. */
const SNIFF_BYTES = 64 * 1024;
const MAX_SNIFF_TRIES = 30;

export interface FileStep {
  /** Records parsed this tick, to append. */
  logs: LogRecord[];
  /** A document re-read: all its records, replacing the earlier ones. */
  replaceLogs?: LogRecord[];
  /** The file's series and audit aggregates, when they changed. */
  aggregates?: { series: Series[]; audit: AuditAggregate[] };
  report: SourceReport;
  /** Anything new at all. */
  changed: boolean;
}

interface Generation {
  parser: AppendedLineParser;
  window: AnalysisWindow;
  rotateAtMs: number;
  /** iostat: timestamp lines fed (its first report averages since boot). */
  stampsFed: number;
}

interface Sealed {
  series: Series[];
  audit: AuditAggregate[];
  untilMs: number;
}

export interface LiveFileOptions {
  windowMs: number;
  tz?: string | undefined;
}

export class LiveFile {
  readonly #inbox: TailLine[] = [];
  #inboxBytes = 0;
  #held: TailLine[] = [];
  #sniff: SniffResult | undefined;
  #mode: LiveReadMode | undefined;
  #sniffTries = 0;
  #zone: ZoneChoice | undefined;
  #gen: Generation | undefined;
  readonly #sealed: Sealed[] = [];
  readonly #pastReports: SourceReport[] = [];
  #current: { series: Series[]; audit: AuditAggregate[] } = { series: [], audit: [] };
  #docStamp = '';
  #docReport: SourceReport | undefined;
  #stopped: SourceReport | undefined;
  #lastMs: number | undefined;
  #pendingFlush = false;

  private constructor(
    readonly key: string,
    readonly sourceId: string,
    public absPath: string,
    private tail: FileTail | undefined,
    private readonly gzip: boolean,
    private readonly options: LiveFileOptions,
  ) {}

  /** Follows a plain file from its first byte. */
  static async follow(key: string, sourceId: string, absPath: string, options: LiveFileOptions): Promise<LiveFile> {
    return new LiveFile(key, sourceId, absPath, await FileTail.open(absPath), false, options);
  }

  /** A compressed file: read whole once (rotated history present when following started). */
  static compressed(key: string, sourceId: string, absPath: string, options: LiveFileOptions): LiveFile {
    return new LiveFile(key, sourceId, absPath, undefined, true, options);
  }

  /** A file that is not read (a compressed file that appeared while following: a rotated copy). */
  static ignored(key: string, sourceId: string, absPath: string, reason: string): LiveFile {
    const f = new LiveFile(key, sourceId, absPath, undefined, false, { windowMs: 0 });
    f.#stopped = emptyReport(sourceId, 'unknown', reason);
    return f;
  }

  get format(): string | undefined {
    return this.#sniff?.format;
  }

  /** The newest record time read, when the format carries its zone (it may set the data clock alone). */
  get lastMs(): number | undefined {
    return this.#lastMs;
  }

  get zoned(): boolean {
    return this.#sniff !== undefined && formatHasZone(this.#sniff.format);
  }

  /** Reads what was appended (plain files) into the inbox; returns the number of new lines. */
  async pull(): Promise<number> {
    if (this.#stopped || !this.tail) return 0;
    const chunk = await this.tail.read();
    if (chunk.truncated) this.#held = [];
    for (const l of chunk.lines) {
      this.#inbox.push(l);
      this.#inboxBytes += l.text.length + 1;
    }
    if (!this.#sniff) this.#trySniff();
    return chunk.lines.length;
  }

  #trySniff(): void {
    if (this.#inbox.length === 0 || !this.tail) return;
    this.#sniffTries++;
    let head = '';
    for (const l of this.#inbox) {
      if (head.length >= SNIFF_BYTES) break;
      head += `${l.text}\n`;
    }
    const truncated = head.length >= SNIFF_BYTES || this.#inboxBytes > SNIFF_BYTES;
    const outcome = sniffFormat(head.slice(0, SNIFF_BYTES), truncated, hintsFromPath(this.sourceId));
    const mode = 'message' in outcome ? undefined : liveReadModeOf(outcome.format);
    if (!mode) {
      // A young file may just not say enough yet; a big or old enough one is not going to.
      if (!truncated && this.#sniffTries < MAX_SNIFF_TRIES) return;
      this.#stop(emptyReport(this.sourceId, 'unknown', 'message' in outcome ? outcome.message : `format ${outcome.format} is not read`));
      return;
    }
    this.#sniff = outcome as SniffResult;
    this.#mode = mode;
    if (mode === 'document') {
      // Documents are read whole when they change, not line by line.
      this.#inbox.length = 0;
      this.#inboxBytes = 0;
    }
  }

  #stop(report: SourceReport): void {
    this.#stopped = report;
    this.#inbox.length = 0;
    this.#inboxBytes = 0;
    void this.tail?.close();
    this.tail = undefined;
  }

  /** Lines waiting for the clock (the first tick of a data clock probes them). */
  get inbox(): readonly TailLine[] {
    return this.#inbox;
  }

  /**
   * The newest record time in the waiting lines, parsed with a throwaway parser over `probe`:
   * how the data clock is first set. Zone-less formats are read as UTC (or `--tz`).
   */
  probeLastMs(probe: AnalysisWindow): number | undefined {
    if (!this.#sniff || this.#mode === 'document' || this.#inbox.length === 0) return undefined;
    const parser = createAppendedLineParser({ sourceId: this.sourceId, sniff: this.#sniff, window: probe, tz: this.options.tz ?? 'UTC', bytes: 0 });
    if (!parser) return undefined;
    parser.feed(this.#inbox);
    parser.end();
    return parser.ctx.report.lastMs;
  }

  /** Parses what is new for the clock `nowMs`; documents and compressed files are (re)read here. */
  async step(nowMs: number): Promise<FileStep> {
    if (this.#stopped) return { logs: [], report: this.#stopped, changed: false };
    if (this.gzip || this.#mode === 'document') return this.#stepDocument(nowMs);
    if (!this.#sniff || !this.#mode) return { logs: [], report: emptyReport(this.sourceId, 'ok', 'waiting for enough lines to recognise the format'), changed: false };
    const mode = this.#mode;
    const quiet = this.#inbox.length === 0;
    const logs: LogRecord[] = [];
    const sealedNow = this.#rotateIfDue(nowMs, logs);
    const gen = this.#ensureGeneration(nowMs);
    const lines = this.#takeFeedable(mode, quiet, gen);
    if (lines.length > 0) {
      gen.parser.feed(lines);
      if (mode === 'blocks') gen.stampsFed += lines.filter((l) => isIostatStamp(l.text, gen.window)).length;
      this.#pendingFlush = true;
    }
    let aggregates: FileStep['aggregates'];
    if (mode === 'logs') {
      // The held record is complete once the file has been quiet for a tick.
      if (quiet && this.#pendingFlush) {
        gen.parser.end();
        this.#pendingFlush = false;
      }
      logs.push(...gen.parser.takeLogs());
    } else if (lines.length > 0 || sealedNow) {
      if (mode === 'aggregate' || gen.stampsFed >= 2 || (quiet && gen.stampsFed >= 1)) this.#current = gen.parser.end();
      aggregates = this.#aggregates();
    }
    const last = gen.parser.ctx.report.lastMs;
    if (last !== undefined && (this.#lastMs === undefined || last > this.#lastMs)) this.#lastMs = last;
    return { logs, ...(aggregates ? { aggregates } : {}), report: this.#report(), changed: lines.length > 0 || logs.length > 0 || sealedNow };
  }

  /** Lines to feed now: all, except what a format needs held back until its record is complete. */
  #takeFeedable(mode: LiveReadMode, quiet: boolean, gen: Generation): TailLine[] {
    const all = this.#held.length ? this.#held.concat(this.#inbox) : this.#inbox.slice();
    this.#inbox.length = 0;
    this.#inboxBytes = 0;
    const { feed, hold } = quiet ? { feed: all, hold: [] } : splitCompleteRecords(all, mode, this.#sniff!.format, gen.window);
    this.#held = hold;
    return feed;
  }

  #ensureGeneration(nowMs: number): Generation {
    if (this.#gen) return this.#gen;
    const first = this.#pastReports.length === 0;
    const genMs = generationMs(this.options.windowMs);
    // The first generation also reads the backlog: the whole window (and the context before it).
    const fromMs = nowMs - (first ? this.options.windowMs + 10 * 60_000 : LATE_MS);
    const window = { fromMs, toMs: nowMs + genMs + AHEAD_MS };
    const sample = this.#zone ? undefined : this.#inbox.slice(0, 5000).map((l) => l.text);
    const parser = createAppendedLineParser({ sourceId: this.sourceId, sniff: this.#sniff!, window, zone: this.#zone, tz: this.options.tz, sample, bytes: this.tail?.size ?? 0 });
    if (!parser) throw new Error(`no line parser for format ${this.#sniff!.format}`);
    this.#zone = parser.zone;
    this.#gen = { parser, window, rotateAtMs: nowMs + genMs, stampsFed: 0 };
    return this.#gen;
  }

  /** Seals the generation when the clock has passed it; returns whether it did. */
  #rotateIfDue(nowMs: number, logs: LogRecord[]): boolean {
    const gen = this.#gen;
    if (!gen || nowMs < gen.rotateAtMs) return false;
    // What the old generation holds back (an unfinished scrape or report) goes to the new one.
    const out = gen.parser.end();
    logs.push(...gen.parser.takeLogs());
    if (this.#mode !== 'logs' && (this.#mode === 'aggregate' || gen.stampsFed >= 1)) this.#sealed.push({ ...out, untilMs: gen.window.toMs });
    this.#current = { series: [], audit: [] };
    this.#pastReports.push(this.#genReport(gen));
    this.#gen = undefined;
    this.#pendingFlush = false;
    return true;
  }

  /** Drops sealed parts that lie wholly before `fromMs` and cuts the rest there. */
  trim(fromMs: number): void {
    for (let i = this.#sealed.length - 1; i >= 0; i--) {
      const s = this.#sealed[i]!;
      if (s.untilMs < fromMs) this.#sealed.splice(i, 1);
      else {
        s.series = s.series.map((x) => trimSeries(x, fromMs)).filter((x): x is Series => x !== undefined);
        s.audit = s.audit.map((x) => trimAudit(x, fromMs)).filter((x): x is AuditAggregate => x !== undefined);
      }
    }
    // Reports of long-gone generations still count lines read; keep their sum, not each one.
    if (this.#pastReports.length > 4) this.#pastReports.splice(0, this.#pastReports.length, combineSourceReports(this.#pastReports));
  }

  #aggregates(): { series: Series[]; audit: AuditAggregate[] } {
    const parts = [...this.#sealed, this.#current];
    return {
      series: mergeSeriesParts(parts.map((p) => p.series)),
      audit: mergeAuditAggregates(parts.flatMap((p) => p.audit)),
    };
  }

  #genReport(gen: Generation): SourceReport {
    const r = { ...gen.parser.ctx.report, badSamples: [...gen.parser.ctx.report.badSamples] };
    // A later generation may not see what named the format (OpenMetrics' `# UNIT` lines come first).
    if (this.#pastReports[0]) r.format = this.#pastReports[0].format;
    if (gen.parser.zone) {
      r.zone = gen.parser.zone.zone.name;
      r.zoneReason = gen.parser.zone.reason;
    }
    return r;
  }

  #report(): SourceReport {
    const parts = this.#gen ? [...this.#pastReports, this.#genReport(this.#gen)] : this.#pastReports;
    if (parts.length === 0) return emptyReport(this.sourceId, 'ok', 'no complete line yet');
    const r = combineSourceReports(parts);
    r.bytes = this.tail?.size ?? r.bytes;
    return r;
  }

  async #stepDocument(nowMs: number): Promise<FileStep> {
    const st = await statOrUndefined(this.absPath);
    if (!st) return { logs: [], report: this.#docReport ?? emptyReport(this.sourceId, 'failed', 'file vanished'), changed: false };
    const stamp = `${st.size}:${st.mtimeMs}`;
    if (stamp === this.#docStamp && this.#docReport) return { logs: [], report: this.#docReport, changed: false };
    if (!this.#sniff) {
      const head = await readHead(this.absPath, this.gzip).catch(() => ({ text: '', truncated: false }));
      const outcome = sniffFormat(head.text, head.truncated, hintsFromPath(this.sourceId));
      if ('message' in outcome || !liveReadModeOf(outcome.format)) {
        this.#stop(emptyReport(this.sourceId, 'unknown', 'message' in outcome ? outcome.message : `format ${outcome.format} is not read`));
        return { logs: [], report: this.#stopped!, changed: true };
      }
      this.#sniff = outcome;
    }
    this.#docStamp = stamp;
    const window = { fromMs: nowMs - this.options.windowMs - 10 * 60_000, toMs: nowMs + AHEAD_MS };
    const doc = await parseDocumentFile({ absPath: this.absPath, gzip: this.gzip, sourceId: this.sourceId, sniff: this.#sniff, window, tz: this.options.tz, bytes: st.size });
    this.#docReport = doc.report;
    if (doc.report.lastMs !== undefined && (this.#lastMs === undefined || doc.report.lastMs > this.#lastMs)) this.#lastMs = doc.report.lastMs;
    doc.logs.sort((a, b) => a.atMs - b.atMs || a.line - b.line);
    return { logs: [], replaceLogs: doc.logs, aggregates: { series: doc.series, audit: doc.audit }, report: doc.report, changed: true };
  }

  /** Stops following (the file is gone); what was read stays until it leaves the window. */
  async close(): Promise<void> {
    await this.tail?.close();
    this.tail = undefined;
  }

  /** The file's path changed (renamed by rotation); records keep the name they were read under. */
  moveTo(absPath: string): void {
    this.absPath = absPath;
  }
}

export function emptyReport(sourceId: string, status: SourceReport['status'], message: string): SourceReport {
  return { sourceId, format: 'unknown', status, message, lines: 0, records: 0, badLines: 0, badSamples: [], bytes: 0 };
}

async function statOrUndefined(p: string): Promise<{ size: number; mtimeMs: number } | undefined> {
  return stat(p).then(
    (s) => ({ size: s.size, mtimeMs: s.mtimeMs }),
    () => undefined,
  );
}
