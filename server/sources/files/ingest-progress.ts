/** Progress of a bundle read, reported at most every 200 ms (and once when the last file is done). */
import type { FetchOptions, IngestProgress } from '../types.js';
import type { BundleFile } from './list-files.js';

const PROGRESS_INTERVAL_MS = 200;

export class Progress {
  private readonly state: IngestProgress;
  /** Bytes read so far by each file (or byte range) being read, by a key of the caller's. */
  private readonly inFlight = new Map<string, number>();
  private bytesFinished = 0;
  private lastMs = -Infinity;

  constructor(private readonly onProgress: FetchOptions['onProgress'], files: BundleFile[]) {
    this.state = { sourceId: 'files', filesDone: 0, filesTotal: files.length, bytesDone: 0, bytesTotal: files.reduce((s, f) => s + f.bytes, 0), lines: 0, badLines: 0 };
  }

  line(): void {
    this.state.lines++;
  }

  lines(n: number): void {
    this.state.lines += n;
  }

  bytes(sourceId: string, key: string, n: number): void {
    this.inFlight.set(key, n);
    this.maybeEmit(sourceId);
  }

  /** A file or range is read through: its bytes count as done. */
  jobDone(key: string, bytes: number): void {
    this.inFlight.delete(key);
    this.bytesFinished += bytes;
  }

  fileDone(f: BundleFile, badLines: number): void {
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
