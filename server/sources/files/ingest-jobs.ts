/**
 * The unit of work of a parallel bundle read, as it crosses to a worker thread and back (plain,
 * structured-cloneable data): a whole file, or one byte range of an uncompressed audit log.
 */
import type { AnalysisWindow, AuditAggregate, LogRecord, Series, SourceReport } from '../../../correlators/signals/index.js';
import type { BundleFile } from './list-files.js';
import { readAuditRange, readOneFile, type AuditRangeResult, type ReadHooks } from './read-file.js';
import type { ByteRange } from './read-text.js';

export type IngestJob = { kind: 'file'; file: BundleFile } | { kind: 'audit-range'; file: BundleFile; range: ByteRange };

/** What a file contributes to the SignalSet (a finished FileContext has this shape). */
export interface FileOutput {
  report: SourceReport;
  logs: LogRecord[];
  series: Series[];
  audit: AuditAggregate[];
}

export type IngestResult = ({ kind: 'file' } & FileOutput) | ({ kind: 'audit-range' } & AuditRangeResult);

export interface IngestRequest {
  id: number;
  job: IngestJob;
  window: AnalysisWindow;
  tz: string | undefined;
}

export type IngestReply =
  | { id: number; type: 'progress'; lines: number; bytes: number }
  | { id: number; type: 'done'; result: IngestResult }
  | { id: number; type: 'error'; message: string };

export async function runIngestJob(req: IngestRequest, hooks: ReadHooks): Promise<IngestResult> {
  const { job, window } = req;
  if (job.kind === 'audit-range') return { kind: 'audit-range', ...(await readAuditRange(job.file, job.range, window, {}, hooks)) };
  const ctx = await readOneFile(job.file, window, { tz: req.tz }, hooks);
  ctx.finish();
  return { kind: 'file', report: ctx.report, logs: ctx.logs, series: ctx.series, audit: ctx.audit };
}
