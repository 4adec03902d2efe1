/**
 * Reads one bundle file into a FileContext: sniff the format, resolve the zone (a first pass for
 * zone-less formats), then stream it through its parser; or one byte range of an audit log, folded
 * into a partial aggregate. A file that fails never throws: its SourceReport says why.
 */
import type { AnalysisWindow, LogRecord, SourceReport } from '../../../correlators/signals/index.js';
import { AuditFold, type AuditPartial } from './audit-fold.js';
import { FileContext } from './file-context.js';
import { FORMAT_PARSERS } from './formats.js';
import { inferZone, WallClockHistogram, zoneFromOption } from './infer-zone.js';
import type { FormatParser, SniffResult } from './line-handler.js';
import type { BundleFile } from './list-files.js';
import { hintsFromPath } from './path-hints.js';
import { forEachChunk, forEachLine, readFileHead, type ByteRange } from './read-text.js';
import { sniffFormat } from './sniff-format.js';

/** What the reader tells whoever shows progress. */
export interface ReadHooks {
  /** One more line read. */
  line(): void;
  /** Bytes of this file (or range) read so far. */
  bytes(n: number): void;
}

export interface ReadFileOptions {
  tz?: string | undefined;
  keepLog?: ((r: LogRecord) => boolean) | undefined;
  signal?: AbortSignal | undefined;
}

/** A read that stopped early: an I/O error (what was read still counts) or a parser bug. */
export interface ReadFailure {
  kind: 'read error' | 'parser error';
  /** Lines read before it. */
  lines: number;
  text: string;
}

export function errorText(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') {
    const msg = 'message' in e && typeof e.message === 'string' ? e.message.replace(/,? (open|read|stat) '.*'$/, '').replace(/^[A-Z]+: /, '') : '';
    return msg ? `${e.code}: ${msg}` : e.code;
  }
  return e instanceof Error ? e.message : String(e);
}

export function failureMessage(f: ReadFailure): string {
  return `${f.kind} after ${f.lines} lines: ${f.text}`;
}

async function resolveZone(ctx: FileContext, f: BundleFile, gzip: boolean, parser: FormatParser, options: ReadFileOptions, bytes: Buffer | undefined): Promise<void> {
  if (parser.zone === 'none') return;
  if (options.tz !== undefined) {
    const z = zoneFromOption(options.tz);
    if ('error' in z) ctx.limit(z.error);
    else {
      ctx.zone = z;
      return;
    }
  }
  const wallTimeOf = parser.wallTimeOf;
  if (parser.zone !== 'infer' || !wallTimeOf) return;
  const hist = new WallClockHistogram();
  try {
    await forEachLine(f.absPath, gzip, {
      line(text) {
        const t = wallTimeOf(text, ctx);
        if (t !== undefined) hist.add(t);
      },
      tooLong() {},
    }, { signal: options.signal, bytes });
  } catch (e) {
    // a damaged file: infer from what could be read; the parsing pass reports the error
    if (options.signal?.aborted) throw e;
  }
  // no wall-clock time at all (iostat with ISO offsets): nothing to infer, nothing to report
  if (hist.total > 0) ctx.zone = inferZone(hist, ctx.window);
}

/** Sniffs a file's format from its first 64 KiB. */
export async function sniffFile(f: BundleFile): Promise<{ gzip: boolean; sniffed: ReturnType<typeof sniffFormat>; whole?: Buffer | undefined }> {
  const head = await readFileHead(f.absPath);
  return { gzip: head.gzip, sniffed: sniffFormat(head.text, head.truncated, hintsFromPath(f.relPath)), whole: head.whole };
}

/** Reads a whole file (not yet finished: the caller calls `ctx.finish()`). */
export async function readOneFile(f: BundleFile, window: AnalysisWindow, options: ReadFileOptions, hooks: ReadHooks): Promise<FileContext> {
  const ctx = new FileContext(f.relPath, window, hintsFromPath(f.relPath), options.keepLog, f.bytes);
  const report = ctx.report;
  let gzip: boolean;
  let sniffed: ReturnType<typeof sniffFormat>;
  // the whole file when sniffing read all of it (a small file): both passes read from it
  let bytes: Buffer | undefined;
  try {
    ({ gzip, sniffed, whole: bytes } = await sniffFile(f));
  } catch (e) {
    report.status = 'failed';
    report.message = `cannot open file: ${errorText(e)}`;
    return ctx;
  }
  report.format = sniffed.format;
  const parser = FORMAT_PARSERS[sniffed.format];
  if ('message' in sniffed || !parser) {
    report.status = 'unknown';
    report.message = 'message' in sniffed ? sniffed.message : 'format not recognised';
    return ctx;
  }
  const sn: SniffResult = sniffed;
  let finished = false;
  let handler: { end(): void } | undefined;
  try {
    await resolveZone(ctx, f, gzip, parser, options, bytes);
    const onBytes = (n: number): void => hooks.bytes(n);
    if (parser.lines) {
      const h = parser.lines(ctx, sn);
      handler = h;
      report.lines = await forEachLine(f.absPath, gzip, {
        line(text, n) {
          hooks.line();
          report.lines = n;
          // a parser bug on one line costs that line, never the rest of the file (the fuzz tests require none)
          try {
            h.line(text, n);
          } catch (e) {
            ctx.bad(n, `parser error: ${errorText(e)}`, text);
          }
        },
        tooLong(n, excerpt) {
          hooks.line();
          report.lines = n;
          ctx.bad(n, 'line longer than 1 MiB', excerpt);
          ctx.limit('lines longer than 1 MiB are not read (counted as bad lines)');
        },
      }, { signal: options.signal, onBytes, bytes });
      finished = true;
      h.end();
    } else if (parser.chunks) {
      const h = parser.chunks(ctx, sn);
      handler = h;
      await forEachChunk(f.absPath, gzip, (text) => h.chunk(text), { signal: options.signal, onBytes, bytes });
      finished = true;
      h.end();
    }
  } catch (e) {
    if (options.signal?.aborted) throw options.signal.reason;
    // a damaged gzip stream, a read error, or a parser bug: what was read so far still counts
    const ioError = !finished && e !== null && typeof e === 'object' && 'code' in e;
    if (ioError && handler) {
      try {
        // flush what the parser holds (the last record, an audit aggregate, derived series)
        handler.end();
      } catch {
        // the report below already says the file is damaged
      }
    }
    report.status = report.records > 0 ? 'degraded' : 'failed';
    report.message = failureMessage({ kind: ioError ? 'read error' : 'parser error', lines: report.lines, text: errorText(e) });
  }
  return ctx;
}

/** One byte range of an uncompressed audit log, folded into a partial aggregate (see audit-ranges.ts). */
export interface AuditRangeResult {
  /** Counts, bad lines (numbered from the range's first line) and time span of the range. */
  report: SourceReport;
  partial: AuditPartial | undefined;
  failure?: ReadFailure;
}

export async function readAuditRange(f: BundleFile, range: ByteRange, window: AnalysisWindow, options: ReadFileOptions, hooks: ReadHooks): Promise<AuditRangeResult> {
  const ctx = new FileContext(f.relPath, window, hintsFromPath(f.relPath), undefined, range.end - range.start);
  const report = ctx.report;
  report.format = 'kube-audit';
  const fold = new AuditFold(ctx, 'range');
  try {
    report.lines = await forEachLine(f.absPath, false, {
      line(text, n) {
        hooks.line();
        report.lines = n;
        fold.line(text, n);
      },
      tooLong(n, excerpt) {
        hooks.line();
        report.lines = n;
        ctx.bad(n, 'line longer than 1 MiB', excerpt);
        ctx.limit('lines longer than 1 MiB are not read (counted as bad lines)');
      },
    }, { signal: options.signal, onBytes: (n) => hooks.bytes(n), range });
  } catch (e) {
    if (options.signal?.aborted) throw options.signal.reason;
    const ioError = e !== null && typeof e === 'object' && 'code' in e;
    const failure: ReadFailure = { kind: ioError ? 'read error' : 'parser error', lines: report.lines, text: errorText(e) };
    return { report, partial: ioError ? fold.partial() : undefined, failure };
  }
  return { report, partial: fold.partial() };
}
