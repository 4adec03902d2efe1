/**
 * Reads a bundle folder: every file is sniffed, then streamed through its format's parser (two
 * passes for zone-less formats: the first only collects wall-clock times to infer the zone), a few
 * files at a time. A file that fails never fails the bundle: its SourceReport says why.
 */
import { performance } from 'node:perf_hooks';
import type { AnalysisWindow, SignalSet } from '../../../correlators/signals/index.js';
import type { FetchOptions, IngestProgress } from '../types.js';
import { FileContext } from './file-context.js';
import { FORMAT_PARSERS } from './formats.js';
import { inferZone, WallClockHistogram, zoneFromOption } from './infer-zone.js';
import type { FormatParser, SniffResult } from './line-handler.js';
import { listBundleFiles, type BundleFile } from './list-files.js';
import { hintsFromPath } from './path-hints.js';
import { forEachChunk, forEachLine, isGzipFile, readHead } from './read-text.js';
import { sniffFormat } from './sniff-format.js';

const CONCURRENCY = 4;
const PROGRESS_INTERVAL_MS = 200;

class Progress {
  private readonly state: IngestProgress;
  private readonly inFlight = new Map<string, number>();
  private bytesFinished = 0;
  private lastMs = -Infinity;

  constructor(private readonly onProgress: FetchOptions['onProgress'], files: BundleFile[]) {
    this.state = { sourceId: 'files', filesDone: 0, filesTotal: files.length, bytesDone: 0, bytesTotal: files.reduce((s, f) => s + f.bytes, 0), lines: 0, badLines: 0 };
  }

  line(): void {
    this.state.lines++;
  }

  bytes(sourceId: string, n: number): void {
    this.inFlight.set(sourceId, n);
    this.maybeEmit(sourceId);
  }

  fileDone(f: BundleFile, badLines: number): void {
    this.inFlight.delete(f.relPath);
    this.bytesFinished += f.bytes;
    this.state.filesDone++;
    this.state.badLines += badLines;
    this.maybeEmit(f.relPath, this.state.filesDone === this.state.filesTotal);
  }

  private maybeEmit(sourceId: string, force = false): void {
    if (!this.onProgress) return;
    const now = performance.now();
    if (!force && now - this.lastMs < PROGRESS_INTERVAL_MS) return;
    this.lastMs = now;
    let bytes = this.bytesFinished;
    for (const b of this.inFlight.values()) bytes += b;
    this.onProgress({ ...this.state, sourceId, bytesDone: Math.min(bytes, this.state.bytesTotal) });
  }
}

function errorText(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') {
    const msg = 'message' in e && typeof e.message === 'string' ? e.message.replace(/,? (open|read|stat) '.*'$/, '').replace(/^[A-Z]+: /, '') : '';
    return msg ? `${e.code}: ${msg}` : e.code;
  }
  return e instanceof Error ? e.message : String(e);
}

async function resolveZone(ctx: FileContext, f: BundleFile, gzip: boolean, parser: FormatParser, options: FetchOptions): Promise<void> {
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
    }, { signal: options.signal });
  } catch (e) {
    // a damaged file: infer from what could be read; the parsing pass reports the error
    if (options.signal?.aborted) throw e;
  }
  // no wall-clock time at all (iostat with ISO offsets): nothing to infer, nothing to report
  if (hist.total > 0) ctx.zone = inferZone(hist, ctx.window);
}

async function readOneFile(f: BundleFile, window: AnalysisWindow, options: FetchOptions, progress: Progress): Promise<FileContext> {
  const ctx = new FileContext(f.relPath, window, hintsFromPath(f.relPath), options.keepLog, f.bytes);
  const report = ctx.report;
  let gzip: boolean;
  let head: { text: string; truncated: boolean };
  try {
    gzip = await isGzipFile(f.absPath);
    head = await readHead(f.absPath, gzip);
  } catch (e) {
    report.status = 'failed';
    report.message = `cannot open file: ${errorText(e)}`;
    return ctx;
  }
  const sniffed = sniffFormat(head.text, head.truncated, ctx.hints);
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
    await resolveZone(ctx, f, gzip, parser, options);
    const onBytes = (n: number): void => progress.bytes(f.relPath, n);
    if (parser.lines) {
      const h = parser.lines(ctx, sn);
      handler = h;
      report.lines = await forEachLine(f.absPath, gzip, {
        line(text, n) {
          progress.line();
          report.lines = n;
          h.line(text, n);
        },
        tooLong(n, excerpt) {
          progress.line();
          report.lines = n;
          ctx.bad(n, 'line longer than 1 MiB', excerpt);
        },
      }, { signal: options.signal, onBytes });
      finished = true;
      h.end();
    } else if (parser.chunks) {
      const h = parser.chunks(ctx, sn);
      handler = h;
      await forEachChunk(f.absPath, gzip, (text) => h.chunk(text), { signal: options.signal, onBytes });
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
    report.message = `${ioError ? 'read error' : 'parser error'} after ${report.lines} lines: ${errorText(e)}`;
  }
  return ctx;
}

/** Runs `work` over `items`, at most `limit` at a time, results in input order. */
async function mapBounded<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function readBundleFiles(dir: string, window: AnalysisWindow, options: FetchOptions): Promise<SignalSet> {
  options.signal?.throwIfAborted();
  const files = await listBundleFiles(dir);
  const progress = new Progress(options.onProgress, files);
  const contexts = await mapBounded(files, CONCURRENCY, async (f) => {
    options.signal?.throwIfAborted();
    const ctx = await readOneFile(f, window, options, progress);
    ctx.finish();
    progress.fileDone(f, ctx.report.badLines);
    return ctx;
  });
  const logs = contexts.flatMap((c) => c.logs);
  logs.sort((a, b) => a.atMs - b.atMs || (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0) || a.line - b.line);
  return {
    window,
    logs,
    series: contexts.flatMap((c) => c.series),
    audit: contexts.flatMap((c) => c.audit),
    sources: contexts.map((c) => c.report),
  };
}
