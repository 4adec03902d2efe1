/**
 * Several sources, one analysis: fetches every source of a window concurrently and merges their
 * SignalSets. A source that throws (or rejects) never takes the others down: it becomes a `failed`
 * SourceReport naming it, and the analysis goes on with the rest (coroot: `Status` / `Error` per
 * section in `api/rca.go`).
 */
import type { AnalysisWindow, SignalSet, SourceReport } from '../../correlators/signals/index.js';
import type { FetchOptions, SignalSource } from './types.js';

/**
 * Fetches `window` from every source at once and merges logs (in time order), series, audit
 * aggregates and source reports (in the order of `sources`). Resolves even when every source
 * fails; only `options.signal` aborting makes it reject, with the signal's reason.
 */
export async function fetchAll(sources: readonly SignalSource[], window: AnalysisWindow, options: FetchOptions = {}): Promise<SignalSet> {
  const settled = await Promise.allSettled(sources.map((s) => s.fetch(window, options)));
  options.signal?.throwIfAborted();
  const merged: SignalSet = { window, logs: [], series: [], audit: [], sources: [] };
  settled.forEach((result, i) => {
    const source = sources[i]!;
    if (result.status === 'rejected') {
      merged.sources.push(buildFailedReport(source, result.reason));
      return;
    }
    const set = result.value;
    merged.logs.push(...set.logs);
    merged.series.push(...set.series);
    merged.audit.push(...set.audit);
    merged.sources.push(...set.sources);
    // A source that returned nothing and said nothing still shows up, so a silent one is visible.
    if (set.sources.length === 0 && set.logs.length + set.series.length + set.audit.length === 0) merged.sources.push({ ...buildFailedReport(source, undefined), status: 'unknown' });
  });
  merged.logs.sort((a, b) => a.atMs - b.atMs);
  return merged;
}

/** The report of a source that threw: its name, and the error's message (driver details stay in `cause`). */
export function buildFailedReport(source: Pick<SignalSource, 'name' | 'evidence'>, reason: unknown): SourceReport {
  const sourceId = source.name;
  const detail = reason === undefined ? 'returned no data and no report' : reason instanceof Error ? reason.message : String(reason);
  // Our typed errors already start with "source NAME:"; do not say it twice.
  const message = detail.startsWith(`source ${sourceId}:`) ? `${detail}; analysed without it` : `source ${sourceId}: ${detail}; analysed without it`;
  const report: SourceReport = { sourceId, format: 'unknown', status: 'failed', message, lines: 0, records: 0, badLines: 0, badSamples: [], bytes: 0 };
  if (source.evidence) report.evidence = [...source.evidence];
  return report;
}
