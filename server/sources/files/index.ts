/** The file source: reads an incident bundle folder (every CONTRACT.md format, recognised by content). */
import type { AnalysisWindow, SignalSet } from '../../../correlators/signals/index.js';
import type { FetchOptions, SignalSource } from '../types.js';

/** Reads every file under `dir` into normalised signals for `window`. */
export async function readBundle(dir: string, window: AnalysisWindow, options: FetchOptions = {}): Promise<SignalSet> {
  void dir; void options;
  // TODO(files-helper): replaced by the streaming parsers.
  return { window, logs: [], series: [], audit: [], sources: [] };
}

export function createFileSource(dir: string): SignalSource {
  return { name: `files:${dir}`, fetch: (window, options) => readBundle(dir, window, options) };
}
