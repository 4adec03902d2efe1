import type { SignalSet } from '../signals/index.js';
import type { Report } from './schema.js';

export interface AnalyzeOptions {
  /** Wall time of the analysis, passed in: correlators never read the clock. */
  nowMs: number;
  ingestMs?: number;
}

/** Runs detection, clock alignment, causal mechanisms and ranking over `signals`. */
export function analyzeSignals(signals: SignalSet, options: AnalyzeOptions): Report {
  void signals; void options;
  throw new Error('not implemented yet');
}
