/** The file source: reads an incident bundle folder (every CONTRACT.md format, recognised by content). */
import type { AnalysisWindow, SignalSet } from '../../../correlators/signals/index.js';
import type { FetchOptions, SignalSource } from '../types.js';
import { readBundleFiles } from './read-bundle.js';

/**
 * Reads every file under `dir` into normalised signals for `window`: log records from 1 h before
 * the window to 10 min after it, series points likewise, audit logs folded into aggregates over
 * the window, and one SourceReport per file (format, counts, bad lines, zone). Malformed input is
 * reported, never thrown; only `options.signal` aborts (the promise rejects with its reason).
 */
export async function readBundle(dir: string, window: AnalysisWindow, options: FetchOptions = {}): Promise<SignalSet> {
  return readBundleFiles(dir, window, options);
}

/** A {@link SignalSource} over a bundle folder. */
export function createFileSource(dir: string): SignalSource {
  return { name: `files:${dir}`, fetch: (window, options) => readBundle(dir, window, options) };
}
