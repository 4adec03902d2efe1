/**
 * Parses lines appended to a bundle file with the batch parsers of `server/sources/files`: the same
 * FileContext and LineHandler, created once and then fed only the new lines, tick after tick. The
 * handlers were written for one pass, so the live reader respects what each kind of format needs:
 *
 * - `logs` (zap JSON, klog, journald, ...): records are written to the context as lines arrive; the
 *   last one is held until the next header line (multi-line records), so `end()` (which flushes it)
 *   is only called once the file has been quiet for a tick.
 * - `aggregate` (audit, OpenMetrics): the output is built in `end()`, which these handlers allow to
 *   be called again and again (it rebuilds from the handler's running state), so each tick takes a
 *   fresh snapshot of everything the generation has read.
 * - `blocks` (iostat): like `aggregate`, but `end()` closes the report being read, so only whole
 *   reports are fed (the caller holds back the lines from the last timestamp line on).
 * - `document` (kubectl events JSON, query_range JSON): a document, not a stream; read whole
 *   again when it changes ({@link parseDocumentFile}).
 *
 * TODO(live): `server/sources/files/index.ts` does not export FileContext, FORMAT_PARSERS and the
 * zone inference; these imports reach into that folder until it offers a narrow "parse appended
 * lines" hook of its own.
 */
import type { AnalysisWindow, AuditAggregate, LogRecord, Series, SourceReport } from '../../correlators/signals/index.js';
import { FileContext } from '../sources/files/file-context.js';
import { FORMAT_PARSERS } from '../sources/files/formats.js';
import { inferZone, WallClockHistogram, zoneFromOption, type ZoneChoice } from '../sources/files/infer-zone.js';
import type { FormatParser, LineHandler, SniffResult } from '../sources/files/line-handler.js';
import { hintsFromPath } from '../sources/files/path-hints.js';
import { forEachChunk, forEachLine } from '../sources/files/read-text.js';
import type { TailLine } from './tail-file.js';

export type LiveReadMode = 'logs' | 'aggregate' | 'blocks' | 'document';

const AGGREGATE_FORMATS: ReadonlySet<string> = new Set(['kube-audit', 'openmetrics', 'prometheus-text']);
const BLOCK_FORMATS: ReadonlySet<string> = new Set(['iostat']);

/** How a recognised format is read live; undefined when rootline has no parser for it. */
export function liveReadModeOf(format: string): LiveReadMode | undefined {
  const parser = FORMAT_PARSERS[format];
  if (!parser) return undefined;
  if (parser.chunks) return 'document';
  if (BLOCK_FORMATS.has(format)) return 'blocks';
  if (AGGREGATE_FORMATS.has(format)) return 'aggregate';
  return 'logs';
}

/** Whether a format's timestamps carry their zone (then they can set the data clock on their own). */
export function formatHasZone(format: string): boolean {
  return FORMAT_PARSERS[format]?.zone === 'none';
}

export interface AppendedParserOptions {
  /** The file's path in the bundle: the SourceReport id and the file of every record. */
  sourceId: string;
  sniff: SniffResult;
  /** The generation's window: the kept range and the audit grid follow from it. */
  window: AnalysisWindow;
  /** The zone chosen for the file by an earlier generation. */
  zone?: ZoneChoice | undefined;
  /** `--tz`: the zone of offset-less timestamps. */
  tz?: string | undefined;
  /** Lines to infer the zone from when neither `zone` nor `tz` gives it (the first lines read). */
  sample?: readonly string[] | undefined;
  bytes: number;
}

/** One generation of a followed file: a context and a handler fed only new lines. */
export interface AppendedLineParser {
  readonly ctx: FileContext;
  readonly zone: ZoneChoice | undefined;
  /** Feeds lines in file order (their own line numbers). */
  feed(lines: readonly TailLine[]): void;
  /** The log records parsed since the last call; the context keeps none. */
  takeLogs(): LogRecord[];
  /** Ends the handler's pending state and returns the series and audit aggregates of everything fed so far. */
  end(): { series: Series[]; audit: AuditAggregate[] };
}

/** A parser for lines appended to a file of a line format; undefined for documents and unknown formats. */
export function createAppendedLineParser(options: AppendedParserOptions): AppendedLineParser | undefined {
  const parser = FORMAT_PARSERS[options.sniff.format];
  if (!parser?.lines) return undefined;
  const ctx = new FileContext(options.sourceId, options.window, hintsFromPath(options.sourceId), undefined, options.bytes);
  ctx.report.format = options.sniff.format;
  ctx.zone = options.zone ?? chooseZone(parser, ctx, options.tz, options.sample ?? []);
  const handler: LineHandler = parser.lines(ctx, options.sniff);
  return {
    ctx,
    zone: ctx.zone,
    feed(lines) {
      for (const l of lines) {
        ctx.report.lines++;
        if (l.tooLong) ctx.bad(l.no, 'line longer than 1 MiB', l.text);
        else handler.line(l.text, l.no);
      }
    },
    takeLogs() {
      return ctx.logs.splice(0);
    },
    end() {
      ctx.series.length = 0;
      ctx.audit.length = 0;
      handler.end();
      return { series: [...ctx.series], audit: [...ctx.audit] };
    },
  };
}

/** The zone for offset-less timestamps: `--tz`, else inferred from `sample` against the window. */
function chooseZone(parser: FormatParser, ctx: FileContext, tz: string | undefined, sample: readonly string[]): ZoneChoice | undefined {
  if (parser.zone === 'none') return undefined;
  if (tz !== undefined) {
    const z = zoneFromOption(tz);
    if (!('error' in z)) return z;
    ctx.limit(z.error);
  }
  const wallTimeOf = parser.wallTimeOf;
  if (parser.zone !== 'infer' || !wallTimeOf) return undefined;
  const hist = new WallClockHistogram();
  for (const text of sample) {
    const t = wallTimeOf(text, ctx);
    if (t !== undefined) hist.add(t);
  }
  if (hist.total === 0) return undefined;
  const choice = inferZone(hist, ctx.window);
  return { ...choice, reason: `${choice.reason} (live: from the first ${hist.total} timestamps)` };
}

export interface DocumentOptions {
  absPath: string;
  gzip: boolean;
  sourceId: string;
  sniff: SniffResult;
  window: AnalysisWindow;
  tz?: string | undefined;
  bytes: number;
}

export interface ParsedDocument {
  logs: LogRecord[];
  series: Series[];
  audit: AuditAggregate[];
  report: SourceReport;
}

/**
 * Reads a whole file with its parser, as the batch reader does: documents (events JSON) whenever
 * they change, and compressed files once. Never rejects: a read error is in the report.
 */
export async function parseDocumentFile(options: DocumentOptions): Promise<ParsedDocument> {
  const parser = FORMAT_PARSERS[options.sniff.format];
  const ctx = new FileContext(options.sourceId, options.window, hintsFromPath(options.sourceId), undefined, options.bytes);
  ctx.report.format = options.sniff.format;
  try {
    if (parser?.chunks) {
      const h = parser.chunks(ctx, options.sniff);
      await forEachChunk(options.absPath, options.gzip, (text) => h.chunk(text));
      h.end();
    } else if (parser?.lines) {
      if (parser.zone !== 'none') {
        const sample: string[] = [];
        await forEachLine(options.absPath, options.gzip, { line: (t) => void (sample.length < 5000 && sample.push(t)), tooLong() {} });
        ctx.zone = chooseZone(parser, ctx, options.tz, sample);
      }
      const h = parser.lines(ctx, options.sniff);
      ctx.report.lines = await forEachLine(options.absPath, options.gzip, {
        line: (text, n) => h.line(text, n),
        tooLong: (n, head) => ctx.bad(n, 'line longer than 1 MiB', head),
      });
      h.end();
    }
  } catch (err) {
    ctx.report.status = ctx.report.records > 0 ? 'degraded' : 'failed';
    ctx.report.message = `read error after ${ctx.report.lines} lines: ${err instanceof Error ? err.message : String(err)}`;
  }
  const report = ctx.finish();
  return { logs: ctx.logs, series: ctx.series, audit: ctx.audit, report };
}
