/**
 * Reads a bundle folder: every file is sniffed, then streamed through its format's parser (two
 * passes for zone-less formats: the first only collects wall-clock times to infer the zone). A
 * small bundle is read in this thread, a few files at a time; a large one on worker threads, one
 * file per job, big uncompressed audit logs cut into byte ranges at line starts whose partial
 * aggregates are merged in file order (audit-ranges.ts). Both give the same SignalSet. A file that
 * fails never fails the bundle: its SourceReport says why.
 */
import { availableParallelism } from 'node:os';
import type { AnalysisWindow, SignalSet } from '../../../correlators/signals/index.js';
import type { FetchOptions } from '../types.js';
import { AuditRangeMerger } from './audit-ranges.js';
import { byteRangesOf } from './byte-ranges.js';
import type { FileOutput, IngestJob } from './ingest-jobs.js';
import type { IngestPool } from './ingest-pool.js';
import { Progress } from './ingest-progress.js';
import { listBundle, type BundleFile } from './list-files.js';
import { errorText, readOneFile, sniffFile } from './read-file.js';

const CONCURRENCY = 4;

/** How a bundle is read; the defaults suit this machine, tests force the parallel path on small files. */
export interface ReadPlan {
  /** Worker threads; 1 reads in this thread. */
  workers: number;
  /** Bundles smaller than this are read in this thread: starting workers costs more than it saves. */
  parallelMinBytes: number;
  /** Uncompressed audit logs of at least twice this are cut into ranges of about this size. */
  rangeBytes: number;
}

export function defaultReadPlan(): ReadPlan {
  return { workers: Math.min(availableParallelism(), 8), parallelMinBytes: 64 * 1024 * 1024, rangeBytes: 64 * 1024 * 1024 };
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

async function readInProcess(files: BundleFile[], window: AnalysisWindow, options: FetchOptions, progress: Progress): Promise<FileOutput[]> {
  return mapBounded(files, CONCURRENCY, async (f) => {
    options.signal?.throwIfAborted();
    const hooks = { line: () => progress.line(), bytes: (n: number) => progress.bytes(f.relPath, f.relPath, n) };
    const ctx = await readOneFile(f, window, { tz: options.tz, keepLog: options.keepLog, signal: options.signal }, hooks);
    ctx.finish();
    progress.jobDone(f.relPath, f.bytes);
    progress.fileDone(f, ctx.report.badLines);
    return ctx;
  });
}

function failedOutput(f: BundleFile, e: unknown): FileOutput {
  const report = { sourceId: f.relPath, format: 'unknown', status: 'failed' as const, message: `reading failed: ${errorText(e)}`, lines: 0, records: 0, badLines: 0, badSamples: [], bytes: f.bytes };
  return { report, logs: [], series: [], audit: [] };
}

/** The ranges to cut `f` into, or undefined to read it whole. */
async function rangesOf(f: BundleFile, plan: ReadPlan): Promise<{ start: number; end: number }[] | undefined> {
  if (f.bytes < 2 * plan.rangeBytes) return undefined;
  const { gzip, sniffed } = await sniffFile(f).catch(() => ({ gzip: true, sniffed: undefined }));
  if (gzip || sniffed?.format !== 'kube-audit') return undefined;
  // a file that cannot be cut is read whole, and that read reports what is wrong with it
  const ranges = await byteRangesOf(f.absPath, f.bytes, plan.rangeBytes).catch(() => []);
  return ranges.length > 1 ? ranges : undefined;
}

async function readInWorkers(files: BundleFile[], window: AnalysisWindow, options: FetchOptions, progress: Progress, plan: ReadPlan): Promise<FileOutput[]> {
  const out = new Array<FileOutput>(files.length);
  const split = await Promise.all(files.map((f) => rangesOf(f, plan)));
  const jobCount = split.reduce((n, r) => n + (r?.length ?? 1), 0);
  // loaded here: a small bundle is read in this thread and never needs worker_threads
  const { IngestPool: Pool } = await import('./ingest-pool.js');
  const pool: IngestPool = new Pool(Math.min(plan.workers, jobCount), window, options.tz);
  const run = (job: IngestJob, key: string, bytes: number): ReturnType<IngestPool['run']> => {
    let linesSeen = 0;
    return pool.run(job, (lines, n) => {
      progress.lines(lines - linesSeen);
      linesSeen = lines;
      progress.bytes(job.file.relPath, key, n);
    }).finally(() => progress.jobDone(key, bytes));
  };
  const readWhole = async (i: number): Promise<void> => {
    const f = files[i]!;
    try {
      const r = await run({ kind: 'file', file: f }, f.relPath, f.bytes);
      out[i] = r.kind === 'file' ? r : failedOutput(f, new Error('unexpected result'));
    } catch (e) {
      options.signal?.throwIfAborted();
      out[i] = failedOutput(f, e);
    }
    progress.fileDone(f, out[i]!.report.badLines);
  };
  const readRanges = async (i: number, ranges: { start: number; end: number }[]): Promise<void> => {
    const f = files[i]!;
    const merger = new AuditRangeMerger(f, window, ranges.length);
    let failed: unknown;
    await Promise.all(ranges.map(async (range, k) => {
      try {
        const r = await run({ kind: 'audit-range', file: f, range }, `${f.relPath}#${k}`, range.end - range.start);
        if (r.kind === 'audit-range') merger.add(k, r);
      } catch (e) {
        failed ??= e;
      }
    }));
    options.signal?.throwIfAborted();
    // a cap made the ranges order-dependent, or a worker died: one pass over the whole file
    if (failed !== undefined || merger.unmergeable || !merger.done) return readWhole(i);
    const ctx = merger.finish();
    ctx.finish();
    out[i] = ctx;
    progress.fileDone(f, ctx.report.badLines);
  };
  // the biggest files first, so that the last job to finish is a small one
  const order = files.map((_, i) => i).sort((a, b) => files[b]!.bytes - files[a]!.bytes || a - b);
  const signal = options.signal;
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal?.reason);
  });
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const all = Promise.all(order.map((i) => (split[i] ? readRanges(i, split[i]) : readWhole(i))));
  // after an abort the jobs fail as the pool closes: nobody waits for them any more
  all.catch(() => {});
  aborted.catch(() => {});
  try {
    await Promise.race([all, aborted]);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await pool.close();
  }
  return out;
}

export async function readBundleFiles(dir: string, window: AnalysisWindow, options: FetchOptions, plan: ReadPlan = defaultReadPlan()): Promise<SignalSet> {
  options.signal?.throwIfAborted();
  const { files, skipped } = await listBundle(dir);
  const progress = new Progress(options.onProgress, files);
  const totalBytes = files.reduce((s, f) => s + f.bytes, 0);
  // keepLog is a function: it cannot cross to a worker thread
  const parallel = plan.workers > 1 && files.length > 0 && totalBytes >= plan.parallelMinBytes && !options.keepLog;
  const outputs = parallel ? await readInWorkers(files, window, options, progress, plan) : await readInProcess(files, window, options, progress);
  const logs = outputs.flatMap((c) => c.logs);
  logs.sort((a, b) => a.atMs - b.atMs || (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0) || a.line - b.line);
  return {
    window,
    logs,
    series: outputs.flatMap((c) => c.series),
    audit: outputs.flatMap((c) => c.audit),
    sources: [...outputs.map((c) => c.report), ...skipped],
  };
}
