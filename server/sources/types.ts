/**
 * The narrow interface every source implements (files, Prometheus, Elasticsearch): fetch one
 * window's normalised signals. Routes and the CLI receive sources through this, so tests pass fakes.
 */
import type { AnalysisWindow, EvidenceKind, LogRecord, SignalSet } from '../../correlators/signals/index.js';

export interface IngestProgress {
  sourceId: string;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  lines: number;
  badLines: number;
}

export interface FetchOptions {
  /** IANA zone (or `UTC+02:00`) for timestamps written without one; when absent it is inferred per file. */
  tz?: string;
  /** Called now and then while reading, for a terminal progress line. */
  onProgress?: (p: IngestProgress) => void;
  /** Decides which log records are retained (bounded memory); default keeps all. */
  keepLog?: (r: LogRecord) => boolean;
  signal?: AbortSignal;
}

export interface SignalSource {
  readonly name: string;
  /** The evidence a server-backed source gives; a failure of the source names it as missing. */
  readonly evidence?: readonly EvidenceKind[];
  fetch(window: AnalysisWindow, options?: FetchOptions): Promise<SignalSet>;
}
