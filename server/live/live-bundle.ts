/**
 * The file source in live mode: the bundle folder is listed each tick, every file is followed by
 * identity (device and inode) so that a rotated file (renamed `x.log` -> `x.log.1`) is read to its
 * end under its old name while the new `x.log` starts from its first line, and only what was
 * appended is parsed. Results go into the session's SignalStore, one part per file.
 */
import { stat } from 'node:fs/promises';
import type { AnalysisWindow } from '../../correlators/signals/index.js';
import { listBundleFiles } from '../sources/files/list-files.js';
import { isGzipFile } from '../sources/files/read-text.js';
import { emptyReport, LiveFile, type LiveFileOptions } from './live-file.js';
import type { SignalStore } from './signal-store.js';

const PULL_CONCURRENCY = 8;

export interface LiveBundleOptions extends LiveFileOptions {
  dir: string;
}

export class LiveBundle {
  readonly #files = new Map<string, LiveFile>();
  /** Files that left the folder: read to their end once more, then closed. */
  readonly #gone: LiveFile[] = [];
  #firstScan = true;

  constructor(private readonly options: LiveBundleOptions, private readonly store: SignalStore) {}

  /** Files followed now. */
  get files(): number {
    return this.#files.size;
  }

  /** Lists the folder, follows new files, drops vanished ones, and reads what was appended. Returns the new lines. */
  async pull(): Promise<number> {
    // A session that only polls servers follows no folder.
    if (this.options.dir === '') return 0;
    const listed = await listBundleFiles(this.options.dir);
    const seen = new Set<string>();
    const first = this.#firstScan;
    this.#firstScan = false;
    for (const f of listed) {
      const st = await stat(f.absPath).catch(() => undefined);
      if (!st?.isFile()) continue;
      const key = `${st.dev}:${st.ino}`;
      seen.add(key);
      const known = this.#files.get(key);
      if (known) {
        if (known.absPath !== f.absPath) known.moveTo(f.absPath);
        continue;
      }
      this.#files.set(key, await this.#open(key, f.relPath, f.absPath, first));
    }
    let lines = 0;
    await forEachBounded([...this.#files.values()], PULL_CONCURRENCY, async (file) => {
      lines += await file.pull().catch(() => 0);
    });
    // Gone from the folder: everything up to its end has just been read; stop following it.
    for (const [key, file] of this.#files) {
      if (seen.has(key)) continue;
      this.#gone.push(file);
      this.#files.delete(key);
    }
    return lines;
  }

  async #open(key: string, relPath: string, absPath: string, firstScan: boolean): Promise<LiveFile> {
    try {
      if (await isGzipFile(absPath)) {
        // Compressed files present at the start are history; one appearing later is a rotated copy of what was followed.
        return firstScan
          ? LiveFile.compressed(key, relPath, absPath, this.options)
          : LiveFile.ignored(key, relPath, absPath, 'compressed file that appeared while following (a rotated copy): not read again');
      }
      return await LiveFile.follow(key, relPath, absPath, this.options);
    } catch (err) {
      const f = LiveFile.ignored(key, relPath, absPath, `cannot open file: ${err instanceof Error ? err.message : String(err)}`);
      this.store.setReport(key, emptyReport(relPath, 'failed', `cannot open file: ${err instanceof Error ? err.message : String(err)}`));
      return f;
    }
  }

  /**
   * The first data clock: the newest record time in what is waiting to be parsed, from files whose
   * timestamps carry their zone, else from any file (read as UTC). Undefined while nothing is there.
   */
  probeClockMs(probe: AnalysisWindow): number | undefined {
    let zoned: number | undefined;
    let any: number | undefined;
    for (const f of this.#files.values()) {
      const t = f.probeLastMs(probe);
      if (t === undefined) continue;
      if (f.zoned) zoned = Math.max(zoned ?? t, t);
      any = Math.max(any ?? t, t);
    }
    return zoned ?? any;
  }

  /** The newest record time parsed so far (zoned formats first), for the data clock. */
  dataClockMs(): number | undefined {
    let zoned: number | undefined;
    let any: number | undefined;
    for (const f of this.#files.values()) {
      const t = f.lastMs;
      if (t === undefined) continue;
      if (f.zoned) zoned = Math.max(zoned ?? t, t);
      any = Math.max(any ?? t, t);
    }
    return zoned ?? any;
  }

  /** Parses what was pulled for the clock `nowMs` into the store; returns whether anything changed. */
  async step(nowMs: number): Promise<boolean> {
    let changed = false;
    const files = [...this.#files.values(), ...this.#gone];
    for (const file of files) {
      const r = await file.step(nowMs);
      if (r.replaceLogs) this.store.replaceLogs(file.key, r.replaceLogs);
      this.store.appendLogs(file.key, r.logs);
      if (r.aggregates) this.store.setAggregates(file.key, r.aggregates.series, r.aggregates.audit);
      this.store.setReport(file.key, r.report);
      changed ||= r.changed;
    }
    for (const file of this.#gone.splice(0)) await file.close();
    return changed;
  }

  /** Cuts what every file holds before `fromMs`. */
  trim(fromMs: number): void {
    for (const f of this.#files.values()) f.trim(fromMs);
  }

  async close(): Promise<void> {
    for (const f of [...this.#files.values(), ...this.#gone]) await f.close();
    this.#files.clear();
  }
}

async function forEachBounded<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
